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
