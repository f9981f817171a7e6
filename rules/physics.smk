# Panels computed from physics and literature constants (data source "computed"):
# Figure 1a, the deformation-mechanism map, and SI Figure S6b, the Li15Si4 powder pattern.


rule xrd_li15si4:
    input:
        notebook="notebooks/xrd_li15si4.ipynb",
        structures="data/reference/crystal_structures.csv",
        constants="data/reference/constants.csv",
        reported="data/paper/reported_values.csv",
        datapackage="data/datapackage.json",
        code=ANALYSIS_CODE,
    output:
        table_cu=reported("tables/figS6b_li15si4_xrd.csv"),
        table_mo=reported("tables/figS6b_li15si4_xrd_mo.csv"),
        png=reported("figures/figS6b_li15si4_xrd.png"),
        svg="figures/figS6b_li15si4_xrd.svg",
    params:
        rule_name="xrd_li15si4",
        # the wavelength of each table, as printed in the paper, lands in the provenance sidecars;
        # the notebook checks them against the ones it reads
        config=json.dumps({"wavelength_ids": XRD_WAVELENGTH_IDS,
                           "expected_wavelengths": {label: reported_value(value_id)
                                                    for label, value_id in XRD_WAVELENGTH_IDS.items()}},
                          sort_keys=True, ensure_ascii=False),
        paths=path_parameters(
            {
                "structures_path": "input.structures",
                "constants_path": "input.constants",
                "reported_path": "input.reported",
                "datapackage_path": "input.datapackage",
                "table_cu_out": "output.table_cu",
                "table_mo_out": "output.table_mo",
                "figure_png": "output.png",
            }
        ),
    log:
        notebook="results/notebooks/xrd_li15si4.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL_COMPUTED


rule deformation_map:
    input:
        notebook="notebooks/deformation_map.ipynb",
        deformation="data/reference/deformation_constants.csv",
        constants="data/reference/constants.csv",
        reported="data/paper/reported_values.csv",
        datapackage="data/datapackage.json",
        code=ANALYSIS_CODE,
    output:
        table=reported("tables/fig1a_crossover.csv"),
        png=reported("figures/fig1a_deformation_map.png"),
        svg="figures/fig1a_deformation_map.svg",
    params:
        rule_name="deformation_map",
        config=json.dumps({"strain_rate_per_s": 1e-3, "temperature_k": 298.15}, sort_keys=True),
        paths=path_parameters(
            {
                "deformation_path": "input.deformation",
                "constants_path": "input.constants",
                "reported_path": "input.reported",
                "datapackage_path": "input.datapackage",
                "table_out": "output.table",
                "figure_png": "output.png",
            }
        ),
    log:
        notebook="results/notebooks/deformation_map.ipynb",
    conda:
        "../environment.yml"
    shell:
        PAPERMILL_COMPUTED
