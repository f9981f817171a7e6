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

# Raw data are never modified: every file under data/ (but data/measured/, a lab's own files, which are
# tracked by their sha256 in each output's provenance instead) must match its sha256 in
# data/MANIFEST.sha256 before anything runs.
from analysis.manifest import MANIFEST, verify_manifest

verify_manifest(workflow.basedir, Path(workflow.basedir) / MANIFEST)

# Notebooks run with the Python that runs Snakemake (the project's virtual environment),
# whether or not that environment was activated.
# Same bits in every run: one BLAS thread per job (a multithreaded matrix product may split its sums
# differently from run to run, and a last-bit change moves a vertex of a simplified plot path; the
# jobs already use the cores in parallel), a fixed hash salt (set and dict order of strings), and no
# time stamps in outputs.
# Notebooks run in warm kernels (analysis/warm_kernel.py): the kernel spec "python3" under results/jupyter/
# (written below) comes first on JUPYTER_PATH.
JUPYTER_DIR = Path(workflow.basedir, "results", "jupyter")
shell.prefix(f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH" OPENBLAS_NUM_THREADS=1 '
             'OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0 SOURCE_DATE_EPOCH=0 '
             f'JUPYTER_PATH={shlex.quote(str(JUPYTER_DIR))}"${{{{JUPYTER_PATH:+:$JUPYTER_PATH}}}}"; ')

from analysis import __version__ as ANALYSIS_VERSION

# Every notebook imports the analysis package: a change to its code reruns the notebooks. The static
# site's builder (analysis/site.py) runs after the workflow and no notebook imports it.
# Each job lists one file as its code input, the sha256 of every module (written below, only when one of
# them changed): the same reruns as listing the ~60 modules in every job, with a fraction of the DAG work.
ANALYSIS_FILES = sorted(str(p) for p in Path("analysis").rglob("*.py") if str(p) != str(Path("analysis", "site.py")))
ANALYSIS_CODE = ["results/code/analysis.sha256"]


def write_code_digest(path=ANALYSIS_CODE[0]):
    """``sha256  file`` of every module of analysis/; the file is rewritten only when its content changes."""
    import hashlib

    text = "".join(f"{hashlib.sha256(Path(workflow.basedir, f).read_bytes()).hexdigest()}  {f}\n"
                   for f in ANALYSIS_FILES)
    target = Path(workflow.basedir, path)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)

# The executed notebook is the rule's log: Snakemake keeps it when the rule fails.
# Two sets of papermill parameters: the notebook's section of the config (a plain value, so a
# change reruns the rule) and the input/output paths (derived from the rule's files).
# After each step that writes figures or tables (its name comes in params.rule_name),
# one provenance sidecar (<output>.prov.json) per
# output, with the sha256 of every input of the rule (data, notebook, analysis code), the
# parameters, the data source (read from the inputs), package versions and the git commit.
PROVENANCE = (
    "python -m analysis.job provenance --rule={params.rule_name} --data-source auto --params-json {params.config:q}"
    " --inputs {input:q} --outputs {output:q}"
)
PROVENANCE_PLAIN = "python -m analysis.job provenance --rule={params.rule_name} --data-source auto --inputs {input:q} --outputs {output:q}"
PAPERMILL = (
    "python -m analysis.job notebook {input.notebook:q} {log.notebook:q}"
    " --kernel python3 --cwd . --no-progress-bar"
    " --parameters_yaml {params.config:q} --parameters_yaml {params.paths:q}"
    f" && {PROVENANCE}"
)

from analysis.inventory import report_entries
from analysis.registry import read_registry, write_captions

# Figures and tables shown in the HTML report (`snakemake --report report.html`), with their
# caption and their place by paper section, all from the figure registry (data/figures.csv).
# Its captions are written to results/report/ before anything runs (only those that changed), once the
# sample sheet below has been read: a bad input stops the run before anything is written.
REGISTRY = read_registry(Path(workflow.basedir, "data", "figures.csv"))
REPORT = report_entries()


def reported(path):
    """``path`` wrapped for the report when it has a caption; as is otherwise."""
    if path not in REPORT:
        return path
    entry = dict(REPORT[path])  # resolve the caption from the Snakefile's folder
    entry["caption"] = str(Path(workflow.basedir, "results", "report", Path(entry["caption"]).name))
    return report(path, **entry)


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


# The sample sheet (config/cells.tsv, schema config/schema/cells.schema.yaml): one row per cell, or per
# glob of files; relative paths of measured files start at `measured_dir`. analysis/sheet.py explains it.
from analysis.sheet import SHEET, ingest_spec, read_cells

CELLS = read_cells(SHEET, root=workflow.basedir, measured_dir=config["measured_dir"])
write_captions(Path(workflow.basedir, "results", "report"), REGISTRY)
write_code_digest()
from analysis.warm_kernel import write_kernel_spec

write_kernel_spec(JUPYTER_DIR)


def cell_spec(cell):
    """The sheet's spec of one cell: ``file`` (inside the repository: relative; outside: absolute),
    ``data_source``, ``kind``, ``ce_convention``, ``group``, area, loading, reference cycle."""
    if cell not in CELLS:
        raise ValueError(f"{SHEET.as_posix()}: no cell '{cell}'")
    return CELLS[cell]


def reconstructed_cells():
    """Cells whose data the model makes: {cell id: protocol id}."""
    return {cell: spec["protocol"] for cell, spec in CELLS.items() if spec["data_source"] == "reconstructed"}


def cell_parameters(cell):
    """What the per-cell job reads (plain values: a change reruns that cell only). The group is not
    among them: regrouping reruns the cohort step alone."""
    spec = cell_spec(cell)
    provenance = ""
    if spec["data_source"] == "reconstructed":
        provenance = (f"model of analysis {ANALYSIS_VERSION}, protocol {spec['protocol']}, parameters in "
                      f"results/reconstructed/{spec['protocol']}_parameters.csv")
    return json.dumps({**ingest_spec(spec), "provenance": provenance}, sort_keys=True)


CELL_PATTERNS = ["results/cells/{cell}.nc", "results/cells/{cell}_cycles.csv", "figures/cells/{cell}_overview.png",
                 "figures/cells/{cell}_overview.svg", "tables/cells/{cell}_summary.csv"]


def cell_outputs():
    """Every cell's files, for rule all."""
    return [path for pattern in CELL_PATTERNS for path in expand(pattern, cell=sorted(CELLS))]


def cohort_cells():
    """Per cell, what the cohort step needs besides its files (a change reruns the cohort step only)."""
    keys = ("group", "kind", "ce_convention", "data_source", "reference_cycle")
    return json.dumps({"cells": {cell: {key: CELLS[cell][key] for key in keys} for cell in sorted(CELLS)}},
                      sort_keys=True)


# --- figure notebooks (rules/figures.smk) ---
from analysis.inventory import FIGURE_NOTEBOOKS  # notebook -> the figure stems it makes (data/figures.csv)


def figure_files(notebook):
    return [reported(f"figures/{stem}.{ext}") for stem in FIGURE_NOTEBOOKS[notebook] for ext in ("png", "svg")]


def figure_cells(notebook):
    """{role: cell id} of a figure notebook; every cell must be a row of the sample sheet."""
    roles = config["figures"][notebook]["cells"]
    for role, cell in roles.items():
        if cell not in CELLS:
            raise ValueError(f"config/config.yaml, figures.{notebook}.cells.{role}: no cell '{cell}' in "
                             f"{SHEET.as_posix()}")
    return dict(sorted(roles.items()))


def figure_notebook_parameters(notebook):
    """Plain parameters (a change reruns the notebook): the cell ids of its roles and its options."""
    return json.dumps({"cell_ids": figure_cells(notebook), **config["figures"][notebook].get("options", {})},
                      sort_keys=True)


def figure_notebook_paths(notebook):
    return json.dumps({"netcdf": {role: f"results/cells/{cell}.nc" for role, cell in figure_cells(notebook).items()},
                       "figure_dir": "figures", "reproduced_out": f"results/reproduced/{notebook}.csv",
                       "reported_path": "data/paper/reported_values.csv"}, sort_keys=True)


def figure_outputs():
    """Every figure notebook's files, Table S1 and the reported-vs-reproduced table, for rule all."""
    return [path for notebook in FIGURE_NOTEBOOKS for path in figure_files(notebook)] + [
        "tables/table_s1_interlayers.csv", "figures/tableS1_interlayer_comparison.png",
        "figures/tableS1_interlayer_comparison.svg", "tables/reported_vs_reproduced.csv",
        "figures/reported_vs_reproduced.png", "figures/reported_vs_reproduced.svg"]


# --- report (rules/report.smk) ---
def provenance_targets():
    """Every figure and table that rule all asks for, except the provenance table itself."""
    return sorted(
        str(f) for f in rules.all.input
        if str(f).startswith(("figures/", "tables/")) and str(f) != "tables/provenance.csv"
    )


# --- calibration (rules/reconstruct.smk): fits of data/model/fits.csv, read with the csv module
# (no pint import: a no-op run stays fast) ---
import csv as _csv

MODEL_DATA = sorted(str(p) for p in Path("data/model").glob("*.csv"))
PAPER_DATA = ["data/paper/reported_values.csv", "data/paper/protocols.csv", "data/paper/cell_properties.csv",
              "data/datapackage.json"]


_MODEL_ROWS = {}


def _model_rows(name):
    """Rows of a data/model file, read once per run."""
    if name not in _MODEL_ROWS:
        with open(Path(workflow.basedir, "data/model", name), encoding="utf-8", newline="") as handle:
            _MODEL_ROWS[name] = list(_csv.DictReader(handle))
    return _MODEL_ROWS[name]


FITS = {row["fit"]: [a for a in row["after"].split(";") if a] for row in _model_rows("fits.csv")}


def fits_with_deps(names):
    """``names`` and every fit they build on."""
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(FITS.get(name, []))
    return sorted(seen)


def cell_of_protocol(protocol):
    owners = [row["cell"] for row in _model_rows("runs.csv") if row["protocol"] == protocol]
    if not owners:
        raise ValueError(f"data/model/runs.csv: no cell runs protocol '{protocol}'")
    return owners[0]


def fits_of_protocol(protocol):
    """Result files of the fits that the run of ``protocol`` reads (its cell's rows and choices' rows)."""
    cell = cell_of_protocol(protocol)
    names = {row["fit"] for row in _model_rows("parameters.csv") if row["cell"] == cell and row["fit"]}
    names |= {row["fit"] for row in _model_rows("choice_parameters.csv") if row["cell"] == cell and row["fit"]}
    return [f"results/calibration/{name}.json" for name in fits_with_deps(names)]


# --- panels computed from physics (rules/physics.smk) ---
import csv

PAPERMILL_COMPUTED = PAPERMILL.replace("--data-source auto", "--data-source computed")


def reported_value(value_id):
    """'<value> <unit>' of a row of data/paper/reported_values.csv (recorded in the provenance)."""
    with open(Path(workflow.basedir) / "data/paper/reported_values.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["id"] == value_id:
                return f"{row['value']} {row['unit']}"
    raise ValueError(f"data/paper/reported_values.csv: no id '{value_id}'")


XRD_WAVELENGTH_IDS = {"Cu Kα": "xrd_wavelength_cu", "Mo Kα": "xrd_wavelength_mo"}
