"""Notebooks read as narratives, and are stored without outputs (fast: nothing is executed).

Every code cell comes directly after a markdown cell that says, in at least one sentence besides any
heading, what the cell does and why; the cell tagged ``parameters`` and the imports after it included.
No code cell has more than 30 lines: calculations live in ``analysis/`` (tested under ``tests/``), and
a long figure is drawn in steps, each with its sentence. Plot choices a reader may want to change
(labels, colours, limits) stay in the notebook.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_LINES = 30


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def style_problems(path: Path) -> list[str]:
    """Every breach of the rules in one notebook, each naming the notebook, the cell index and its lines."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    problems = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        lines = len(_source(cell).splitlines())
        where = f"{path.name}: code cell {index} ({lines} lines)"
        before = cells[index - 1] if index else None
        if before is None or before["cell_type"] != "markdown":
            problems.append(f"{where} follows {before['cell_type'] + ' cell ' + str(index - 1) if before else 'nothing'}"
                            ", not a markdown cell saying what it does")
        elif not any(line.strip() and not line.lstrip().startswith("#") for line in _source(before).splitlines()):
            problems.append(f"{where} follows markdown cell {index - 1}, which has no sentence besides a heading")
        if lines > MAX_LINES:
            problems.append(f"{where} is longer than {MAX_LINES} lines")
        if cell.get("outputs") or cell.get("execution_count") is not None:
            problems.append(f"{where} is stored with outputs or an execution count")
    return problems


def test_every_notebook_is_checked():
    assert {"index.ipynb", "explorer.ipynb", "porosity.ipynb"} <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_as_a_narrative_and_has_no_outputs(path):
    problems = style_problems(path)
    assert not problems, "\n".join(problems)


def test_the_check_names_notebook_cell_and_lines(tmp_path):
    def code(lines: int, **extra) -> dict:
        return {"cell_type": "code", "metadata": {}, "source": "\n".join(["x = 1"] * lines),
                "execution_count": None, "outputs": [], **extra}

    def markdown(text: str) -> dict:
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    notebook = tmp_path / "story.ipynb"
    notebook.write_text(json.dumps({"cells": [
        code(3),                                      # 0: nothing before it
        markdown("Reads the data."), code(31),        # 2: too long
        markdown("## Figure"), code(2),               # 4: a heading only
        code(1, execution_count=3, outputs=[{}]),     # 5: after code, with outputs
        markdown("## Fine\n\nDraws it."), code(30),   # 7: fine
    ]}), encoding="utf-8")
    assert style_problems(notebook) == [
        "story.ipynb: code cell 0 (3 lines) follows nothing, not a markdown cell saying what it does",
        "story.ipynb: code cell 2 (31 lines) is longer than 30 lines",
        "story.ipynb: code cell 4 (2 lines) follows markdown cell 3, which has no sentence besides a heading",
        "story.ipynb: code cell 5 (1 lines) follows code cell 4, not a markdown cell saying what it does",
        "story.ipynb: code cell 5 (1 lines) is stored with outputs or an execution count",
    ]
