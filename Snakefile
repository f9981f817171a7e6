# Reproduces the figures and tables of Sung et al., Adv. Mater. 2023 (doi:10.1002/adma.202210835).
# Run `snakemake` (the profile in profiles/default/ uses all cores). Cells come from the sample sheet
# config/cells.tsv (one Python process per cell); the other rules run parameterized notebooks through
# papermill, with parameters from config/config.yaml.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/porosity.smk"
include: "rules/reconstruct.smk"
include: "rules/cells.smk"
include: "rules/cohort.smk"
include: "rules/audit.smk"
include: "rules/figures.smk"
include: "rules/physics.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        rules.porosity.output,
        rules.consistency_audit.output,
        rules.reconstruction_calibration.output,
        cell_outputs(),
        rules.cohort.output,
        figure_outputs(),
        rules.xrd_li15si4.output,
        rules.deformation_map.output,
        rules.figure_inventory.output,
        rules.provenance_summary.output,


# The warm process of the jobs (analysis/warm.py) starts importing as soon as the run starts.
onstart:
    from analysis.warm import start as start_warm_process

    start_warm_process()
