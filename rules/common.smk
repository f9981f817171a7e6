# Shared by every rule: config validation, the papermill command, notebook parameters.
import json
import shlex
import sys
from pathlib import Path

# jsonschema (used by snakemake.utils.validate) compiles ~40 grammars at import time when the
# optional package rfc3987-syntax is installed (JupyterLab pulls it in): 1.2 s on every run,
# no-op runs included. Our schema uses no IRI formats, so that checker is not loaded.
sys.modules.setdefault("rfc3987_syntax", None)

from snakemake.utils import validate


validate(config, "../config/schema/config.schema.yaml")

# Notebooks run with the Python that runs Snakemake (the project's virtual environment),
# whether or not that environment was activated.
shell.prefix(f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"; ')

from analysis import __version__ as ANALYSIS_VERSION

# Every notebook imports the analysis package: a change to its code reruns the notebooks.
ANALYSIS_CODE = sorted(str(p) for p in Path("analysis").rglob("*.py"))

# The executed notebook is the rule's log: Snakemake keeps it when the rule fails.
# Two sets of papermill parameters: the notebook's section of the config (a plain value, so a
# change reruns the rule) and the input/output paths (derived from the rule's files).
PAPERMILL = (
    "python -m papermill {input.notebook:q} {log.notebook:q}"
    " --kernel python3 --cwd . --no-progress-bar"
    " --parameters_yaml {params.config:q} --parameters_yaml {params.paths:q}"
)


def config_parameters(section):
    """The notebook's section of the config, as JSON (JSON is YAML) for papermill."""
    return json.dumps(config[section], sort_keys=True)


def path_parameters(paths):
    """Papermill parameters naming the rule's files: {notebook variable: "input.x" / "output.y"}."""

    def params(wildcards, input, output):
        values = {}
        for name, source in paths.items():
            kind, key = source.split(".", 1)
            values[name] = str(getattr(input if kind == "input" else output, key))
        return json.dumps(values, sort_keys=True)

    return params


def cell_spec(cell):
    """The config entry of one cell, with its ``file`` and ``data_source`` made explicit.

    An entry names its data in exactly one line: ``reconstructed: <protocol id>`` (the model's
    file, results/reconstructed/<protocol id>.csv) or ``measured: <path inside the repository>``.
    """
    if cell not in config.get("cells", {}):
        raise ValueError(f"config/config.yaml: no cell '{cell}' under 'cells'")
    spec = dict(config["cells"][cell])
    if "reconstructed" in spec:
        spec.update(file=f"results/reconstructed/{spec['reconstructed']}.csv", data_source="reconstructed",
                    format=spec.get("format", "neware-csv"))
    else:
        spec.update(file=spec["measured"], data_source="measured")
    path = Path(spec["file"])
    root = Path(workflow.basedir).resolve()
    if path.is_absolute() or not path.resolve().is_relative_to(root):
        raise ValueError(f"config/config.yaml, cells.{cell}.measured: '{path}' must be a path inside the repository")
    return spec


def reconstructed_cells():
    """Configured cells whose data the model makes: {cell id: protocol id}."""
    return {cell: spec["reconstructed"] for cell, spec in config.get("cells", {}).items() if "reconstructed" in spec}


def cell_notebook_parameters(cell):
    """Papermill parameters of the per-cell overview notebook (plain values: a change reruns it)."""
    spec = cell_spec(cell)
    provenance = ""
    if "reconstructed" in spec:
        provenance = (f"model of analysis {ANALYSIS_VERSION}, protocol {spec['reconstructed']}, parameters in "
                      f"results/reconstructed/{spec['reconstructed']}_parameters.csv")
    return json.dumps({"cell_id": cell, "ce_convention": spec["ce_convention"], "area_cm2": spec.get("area_cm2"),
                       "reference_cycle": spec.get("reference_cycle", 1), "provenance": provenance}, sort_keys=True)


def cell_outputs():
    """Every configured cell's files, for rule all."""
    cells = sorted(config.get("cells", {}))
    patterns = ["results/cells/{cell}.nc", "results/cells/{cell}_cycles.csv", "figures/cells/{cell}_overview.png",
                "figures/cells/{cell}_overview.svg", "tables/cells/{cell}_summary.csv"]
    return [path for pattern in patterns for path in expand(pattern, cell=cells)]
