# The paper's figures, one notebook per figure family (config `figures:`), each drawn from the
# ingested cells that play its roles, plus Table S1 and the reported-vs-reproduced table.

for _notebook in FIGURE_NOTEBOOKS:

    rule:
        name:
            f"figures_{_notebook}"
        priority: 30  # on the longest path of a cold run (rules/reconstruct.smk)
        input:
            notebook=f"notebooks/{_notebook}.ipynb",
            netcdf=[f"results/cells/{cell}.nc" for cell in figure_cells(_notebook).values()],
            reported="data/paper/reported_values.csv",
            code=ANALYSIS_CODE,
        output:
            figures=figure_files(_notebook),
            reproduced=f"results/reproduced/{_notebook}.csv",
        params:
            rule_name=f"figures_{_notebook}",
            config=figure_notebook_parameters(_notebook),
            paths=figure_notebook_paths(_notebook),
        log:
            notebook=f"results/notebooks/{_notebook}.ipynb",
        conda:
            "../environment.yml"
        shell:
            PAPERMILL




rule table_s1:
    input:
        notebook="notebooks/interlayer_comparison.ipynb",
        interlayers="data/paper/table_s1_interlayers.csv",
        retention="data/paper/table_s1_retention.csv",
        datapackage="data/datapackage.json",
        code=ANALYSIS_CODE,
    output:
        table=reported("tables/table_s1_interlayers.csv"),
        figures=[reported(f"figures/tableS1_interlayer_comparison.{ext}") for ext in ("png", "svg")],
    params:
        rule_name="table_s1",
        config="{}",
        paths=json.dumps({"interlayers_path": "data/paper/table_s1_interlayers.csv",
                          "retention_path": "data/paper/table_s1_retention.csv",
                          "table_out": "tables/table_s1_interlayers.csv", "figure_dir": "figures"}, sort_keys=True),
    log:
        notebook="results/notebooks/interlayer_comparison.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL


rule reported_vs_reproduced:
    input:
        notebook="notebooks/reported_vs_reproduced.ipynb",
        reproduced=[f"results/reproduced/{notebook}.csv" for notebook in sorted(FIGURE_NOTEBOOKS)],
        table_s2="tables/table_s2_porosity.csv",
        reported="data/paper/reported_values.csv",
        code=ANALYSIS_CODE,
    output:
        table=reported("tables/reported_vs_reproduced.csv"),
        figures=[reported(f"figures/reported_vs_reproduced.{ext}") for ext in ("png", "svg")],
    params:
        rule_name="reported_vs_reproduced",
        config="{}",
        paths=json.dumps({"reproduced_paths": [f"results/reproduced/{notebook}.csv" for notebook in sorted(FIGURE_NOTEBOOKS)],
                          "table_s2_path": "tables/table_s2_porosity.csv", "reported_path": "data/paper/reported_values.csv",
                          "table_out": "tables/reported_vs_reproduced.csv", "figure_dir": "figures"}, sort_keys=True),
    log:
        notebook="results/notebooks/reported_vs_reproduced.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL

