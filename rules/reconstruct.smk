# Reconstructed cycler files of the paper's cells (model of analysis/reconstruct/), one per protocol run.


rule reconstruct:
    input:
        protocols="data/paper/protocols.csv",
        reported="data/paper/reported_values.csv",
        properties="data/paper/cell_properties.csv",
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
        "python -m analysis.reconstruct --protocol {wildcards.protocol:q}"
        " --btsda {output.btsda:q} --bdf {output.bdf:q} --parameters {output.parameters:q}"
        " --overrides {params.overrides:q} > {log:q} 2>&1"


rule reconstruction_calibration:
    input:
        netcdf=lambda wildcards: [f"results/cells/{cell}.nc" for cell in reconstructed_cells()],
        reported="data/paper/reported_values.csv",
        code=ANALYSIS_CODE,
    output:
        table=reported("tables/reconstruction_calibration.csv"),
        choices=reported("tables/reconstruction_choices.csv"),
    params:
        rule_name="reconstruction_calibration",
        runs=lambda wildcards: " ".join(f"{protocol}=results/cells/{cell}.nc"
                                        for cell, protocol in sorted(reconstructed_cells().items())),
    log:
        "results/logs/reconstruction_calibration.log",
    conda:
        "../environment.yml"
    shell:
        f"(python -m analysis.reconstruct.calibrate --out {{output.table:q}} --choices {{output.choices:q}}"
        f" {{params.runs}} && {PROVENANCE_PLAIN}) > {{log:q}} 2>&1"
