# Cycler data of every cell listed under `cells:` in config/config.yaml -> results/cells/.


rule ingest:
    input:
        data=lambda wildcards: cell_spec(wildcards.cell)["file"],
        code=ANALYSIS_CODE,
    output:
        netcdf="results/cells/{cell}.nc",
        cycles="results/cells/{cell}_cycles.csv",
    params:
        spec=lambda wildcards: json.dumps(cell_spec(wildcards.cell), sort_keys=True),
    log:
        "results/logs/ingest_{cell}.log",
    conda:
        "../environment.yml"
    shell:
        "python -m analysis.ingest --cell {wildcards.cell:q} --spec {params.spec:q}"
        " --netcdf {output.netcdf:q} --cycles {output.cycles:q} > {log:q} 2>&1"


rule cell_overview:
    input:
        notebook="notebooks/cell_overview.ipynb",
        netcdf="results/cells/{cell}.nc",
        code=ANALYSIS_CODE,
    output:
        png=reported("figures/cells/{cell}_overview.png"),
        svg="figures/cells/{cell}_overview.svg",
        summary=reported("tables/cells/{cell}_summary.csv"),
    params:
        rule_name="cell_overview",
        config=lambda wildcards: cell_notebook_parameters(wildcards.cell),
        paths=path_parameters(
            {
                "netcdf_path": "input.netcdf",
                "figure_png": "output.png",
                "summary_out": "output.summary",
            }
        ),
    log:
        notebook="results/notebooks/cell_overview_{cell}.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL
