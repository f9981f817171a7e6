# Table S2 and Figure 2h: porosity of the SiNP-CNT and Li3.75Si-CNT layers.


rule porosity:
    input:
        notebook="notebooks/porosity.ipynb",
        table_s2="data/paper/table_s2_porosity.csv",
        reported="data/paper/reported_values.csv",
        constants="data/reference/constants.csv",
        datapackage="data/datapackage.json",
        code=ANALYSIS_CODE,
    output:
        table=reported("tables/table_s2_porosity.csv"),
        steps=reported("tables/porosity_assumption_steps.csv"),
        uncertainty=reported("tables/porosity_uncertainty.csv"),
        png=reported("figures/fig2h_porosity.png"),
        svg="figures/fig2h_porosity.svg",
    params:
        rule_name="porosity",
        config=config_parameters("porosity"),
        paths=path_parameters(
            {
                "table_s2_path": "input.table_s2",
                "reported_path": "input.reported",
                "constants_path": "input.constants",
                "datapackage_path": "input.datapackage",
                "table_out": "output.table",
                "steps_out": "output.steps",
                "uncertainty_out": "output.uncertainty",
                "figure_png": "output.png",
            }
        ),
    log:
        notebook="results/notebooks/porosity.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL
