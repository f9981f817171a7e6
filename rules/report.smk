# The reader's view: the figure inventory (all 68 panels and tables of the paper) and the
# provenance table that the Snakemake report shows (`snakemake --report report.html`).


rule figure_inventory:
    input:
        panels="data/paper/figure_panels.csv",
        figures="data/figures.csv",
        datapackage="data/datapackage.json",
        code=ANALYSIS_CODE,
    output:
        table=reported("tables/figure_inventory.csv"),
    params:
        rule_name="figure_inventory",
    log:
        "results/logs/figure_inventory.log",
    conda:
        "../environment.yml"
    shell:
        f"(python -m analysis.job inventory --panels {{input.panels:q}} --figures {{input.figures:q}} --out {{output.table:q}}"
        f" && {PROVENANCE_PLAIN}) > {{log:q}} 2>&1"


rule provenance_summary:
    input:
        lambda wildcards: provenance_targets(),
    output:
        table=reported("tables/provenance.csv"),
    params:
        rule_name="provenance_summary",
    log:
        "results/logs/provenance_summary.log",
    conda:
        "../environment.yml"
    shell:
        f"(python -m analysis.job provenance --summary {{output.table:q}} {{input:q}}"
        f" && {PROVENANCE_PLAIN}) > {{log:q}} 2>&1"
