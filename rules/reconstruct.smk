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
    log:
        "results/logs/reconstruct_{protocol}.log",
    conda:
        "../environment.yml"
    shell:
        "python -m analysis.reconstruct --protocol {wildcards.protocol:q}"
        " --btsda {output.btsda:q} --bdf {output.bdf:q} > {log:q} 2>&1"
