# Cohort statistics over every cell of the sample sheet (notebooks/cohort.ipynb): one row of metrics per
# cell, per group the mean with its 95 % t-interval, and figures by group and beside the paper's cells.

COHORT_FIGURES = ["cohort_retention", "cohort_ce", "cohort_vs_paper"]


rule cohort:
    input:
        notebook="notebooks/cohort.ipynb",
        netcdf=expand("results/cells/{cell}.nc", cell=sorted(CELLS)),
        reported="data/paper/reported_values.csv",
        code=ANALYSIS_CODE,
    output:
        metrics=reported("tables/cohort_metrics.csv"),
        groups=reported("tables/cohort_groups.csv"),
        figures=[reported(f"figures/{stem}.png") for stem in COHORT_FIGURES] + [f"figures/{stem}.svg" for stem in COHORT_FIGURES],
    params:
        rule_name="cohort",
        config=lambda wildcards: json.dumps({**config["cohort"], **json.loads(cohort_cells())}, sort_keys=True),
        paths=lambda wildcards, output: json.dumps(
            {"netcdf_dir": "results/cells", "metrics_out": output.metrics, "groups_out": output.groups,
             "figure_dir": "figures", "reported_path": "data/paper/reported_values.csv"}, sort_keys=True),
    log:
        notebook="results/notebooks/cohort.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL
