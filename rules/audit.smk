# Consistency audit of the paper's own numbers: every cross-check they allow, with units.


rule consistency_audit:
    input:
        notebook="notebooks/consistency_audit.ipynb",
        reported="data/paper/reported_values.csv",
        protocols="data/paper/protocols.csv",
        cell_properties="data/paper/cell_properties.csv",
        table_s2="data/paper/table_s2_porosity.csv",
        table_s1="data/paper/table_s1_interlayers.csv",
        table_s1_retention="data/paper/table_s1_retention.csv",
        constants="data/reference/constants.csv",
        datapackage="data/datapackage.json",
        code=ANALYSIS_CODE,
    output:
        table=reported("tables/consistency_audit.csv"),
        png=reported("figures/audit_relative_differences.png"),
        svg="figures/audit_relative_differences.svg",
    params:
        rule_name="consistency_audit",
        config=config_parameters("audit"),
        paths=path_parameters(
            {
                "reported_path": "input.reported",
                "protocols_path": "input.protocols",
                "cell_properties_path": "input.cell_properties",
                "table_s2_path": "input.table_s2",
                "table_s1_path": "input.table_s1",
                "table_s1_retention_path": "input.table_s1_retention",
                "constants_path": "input.constants",
                "datapackage_path": "input.datapackage",
                "table_out": "output.table",
                "figure_png": "output.png",
            }
        ),
    log:
        notebook="results/notebooks/consistency_audit.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL
