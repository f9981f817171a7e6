# The model's calibration (data/model/fits.csv, solved with scipy), then the reconstructed cycler
# files of the paper's cells (model of analysis/reconstruct/), one per protocol run.


# The fits, the reconstructions, the cells and the figure notebooks lie on the longest path of a cold run
# (fit -> reconstruction -> cell -> figure notebook -> reported-vs-reproduced): when jobs wait for a core
# they go first, in that order (priorities 100, 50, 40, 30); the notebooks that need no cell fill the gaps.
rule calibrate:
    priority: 100
    input:
        model=MODEL_DATA,
        paper=PAPER_DATA,
        after=lambda wildcards: [f"results/calibration/{fit}.json" for fit in FITS[wildcards.fit]],
        code=ANALYSIS_CODE,
    output:
        result="results/calibration/{fit}.json",
        timing="results/calibration/{fit}_timing.json",
    log:
        "results/logs/calibrate_{fit}.log",
    conda:
        "../environment.yml"
    shell:
        "SUNG2023_CALIBRATION_DIR=results/calibration python -m analysis.job fit --fit {wildcards.fit:q}"
        " --out {output.result:q} --timing {output.timing:q} > {log:q} 2>&1"


rule reconstruct:
    priority: 50
    input:
        model=MODEL_DATA,
        paper=PAPER_DATA,
        fits=lambda wildcards: fits_of_protocol(wildcards.protocol),
        code=ANALYSIS_CODE,
    output:
        btsda="results/reconstructed/{protocol}.csv",
        bdf="results/reconstructed/{protocol}_bdf.csv",
        parameters="results/reconstructed/{protocol}_parameters.csv",
    params:
        overrides=lambda wildcards: json.dumps(
            config["reconstruction"]["overrides"].get(wildcards.protocol, {}), sort_keys=True
        ),
    log:
        "results/logs/reconstruct_{protocol}.log",
    conda:
        "../environment.yml"
    shell:
        "SUNG2023_CALIBRATION_DIR=results/calibration python -m analysis.job reconstruct --protocol {wildcards.protocol:q}"
        " --btsda {output.btsda:q} --bdf {output.bdf:q} --parameters {output.parameters:q}"
        " --overrides {params.overrides:q} > {log:q} 2>&1"


rule reconstruction_calibration:
    input:
        netcdf=lambda wildcards: [f"results/cells/{cell}.nc" for cell in reconstructed_cells()],
        fits=[f"results/calibration/{fit}.json" for fit in FITS],
        model=MODEL_DATA,
        paper=PAPER_DATA,
        code=ANALYSIS_CODE,
    output:
        table=reported("tables/reconstruction_calibration.csv"),
        choices=reported("tables/reconstruction_choices.csv"),
        fits=reported("tables/calibration_fits.csv"),
    params:
        rule_name="reconstruction_calibration",
        runs=lambda wildcards: " ".join(f"{protocol}=results/cells/{cell}.nc"
                                        for cell, protocol in sorted(reconstructed_cells().items())),
    log:
        "results/logs/reconstruction_calibration.log",
    conda:
        "../environment.yml"
    shell:
        f"(SUNG2023_CALIBRATION_DIR=results/calibration python -m analysis.job calibration"
        f" --out {{output.table:q}} --choices {{output.choices:q}} --fits {{output.fits:q}}"
        f" {{params.runs}} && {PROVENANCE_PLAIN}) > {{log:q}} 2>&1"
