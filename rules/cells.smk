# Cycler data of every cell of the sample sheet (config/cells.tsv) -> results/cells/, and its overview.
# One job per cell, no Jupyter kernel (analysis/overview.py): reading, per-cycle summary, overview figure
# and table, and the cell's record for the cohort step (its metrics and per-cycle capacity and CE, a few kB),
# in a fork of a warm process that has done the imports once (analysis/job.py, analysis/warm.py).
# notebooks/cell_overview.ipynb draws the same figure by hand.


rule cell:
    priority: 40  # on the longest path of a cold run (rules/reconstruct.smk)
    input:
        data=lambda wildcards: cell_spec(wildcards.cell)["file"],
        code=ANALYSIS_CODE,
    output:
        netcdf="results/cells/{cell}.nc",
        cycles="results/cells/{cell}_cycles.csv",
        png=reported("figures/cells/{cell}_overview.png"),
        svg="figures/cells/{cell}_overview.svg",
        summary=reported("tables/cells/{cell}_summary.csv"),
        record="results/cells/{cell}_record.json",  # what the cohort step reads of the cell
    params:
        spec=lambda wildcards: cell_parameters(wildcards.cell),
        data_source=lambda wildcards: cell_spec(wildcards.cell)["data_source"],  # for the report's captions
        nucleation=json.dumps(config["cohort"]["nucleation"], sort_keys=True),
    message:
        "cell {wildcards.cell}"
    log:
        "results/logs/cell_{cell}.log",
    conda:
        "../environment.yml"
    shell:
        "python -m analysis.job cell --cell {wildcards.cell:q} --spec {params.spec:q}"
        " --netcdf {output.netcdf:q} --cycles {output.cycles:q} --figure {output.png:q} --summary {output.summary:q}"
        " --record {output.record:q} --nucleation {params.nucleation:q}"
        " --inputs {input.code:q} > {log:q} 2>&1"
