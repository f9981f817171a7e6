# Cohort statistics over every cell of the sample sheet (notebooks/cohort.ipynb): one row of metrics per
# cell, per group the mean with its 95 % t-interval, and figures by group and beside the paper's cells.
# It reads each cell's record (results/cells/<cell>_record.json, written by the cell's job), not its cycler
# data: adding a cell to a run of hundreds costs that cell's job and a step that reads a few kB per cell.
# The nucleation windows of config cohort.nucleation are the cell jobs' (a change reruns every cell).

COHORT_FIGURES = ["cohort_retention", "cohort_ce", "cohort_vs_paper"]


rule cohort:
    input:
        notebook="notebooks/cohort.ipynb",
        records=expand("results/cells/{cell}_record.json", cell=sorted(CELLS)),
        reported="data/paper/reported_values.csv",
        code=ANALYSIS_CODE,
    output:
        metrics=reported("tables/cohort_metrics.csv"),
        groups=reported("tables/cohort_groups.csv"),
        figures=[reported(f"figures/{stem}.png") for stem in COHORT_FIGURES] + [f"figures/{stem}.svg" for stem in COHORT_FIGURES],
    params:
        rule_name="cohort",
        config=lambda wildcards: json.dumps({**{k: v for k, v in config["cohort"].items() if k != "nucleation"},
                                             **json.loads(cohort_cells())}, sort_keys=True),
        paths=lambda wildcards, output: json.dumps(
            {"records_dir": "results/cells", "metrics_out": output.metrics, "groups_out": output.groups,
             "figure_dir": "figures", "reported_path": "data/paper/reported_values.csv"}, sort_keys=True),
    log:
        notebook="results/notebooks/cohort.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL
