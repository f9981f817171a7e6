"""Figure inventory and report captions: every panel of the paper accounted for, every caption honest."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from analysis.errors import DataError
from analysis.inventory import COLUMNS, PLANNED, STATUSES, build_inventory, main, paper_order, report_entries
from analysis.tables import load_schema, read_rows

PANELS = Path("data/paper/figure_panels.csv")
COMPUTABLE = "computable from physics (constitutive laws / crystal structure)"
RECONSTRUCTABLE = "reconstructable (protocol + reported scalars; a measured file can replace it)"


@pytest.fixture(scope="module")
def inventory(root):
    return build_inventory(root / PANELS)


def test_every_panel_and_table_once_in_paper_order(inventory):
    ids = [r["id"] for r in inventory]
    assert len(ids) == 68 and len(set(ids)) == 68
    assert ids[:2] == ["Fig 1a", "Fig 1b"] and ids[-4:] == ["Fig S16a", "Fig S16b", "Table S1", "Table S2"]
    assert ids.index("Fig 6d") + 1 == ids.index("Fig S1a")
    assert ids.index("Fig S9") < ids.index("Fig S10") < ids.index("Fig S14a")  # numeric, not text order
    assert all(set(r) == set(COLUMNS) for r in inventory)
    assert {r["status"] for r in inventory} <= set(STATUSES)
    made = [r for r in inventory if r["status"] in ("reproduced from paper tables", "computed", "reconstructed")]
    assert len(made) == 27 and sum(r["status"] == "not reproducible without raw images" for r in inventory) == 41


def test_every_reconstructable_panel_is_reconstructed_with_outputs(inventory):
    listed = [r for r in inventory if r["reproducible_from"] == RECONSTRUCTABLE]
    assert len(listed) == 22
    for row in listed:
        assert row["status"] == "reconstructed" and row["data_source"] == "reconstructed", row["id"]
        assert row["outputs"] and row["notebook"].startswith("notebooks/"), row["id"]
    for row in inventory:
        if row["status"] in ("reproduced from paper tables", "computed") and row["reproducible_from"] == "table-in-paper":
            assert row["data_source"] == "paper" and row["outputs"]
        if row["reproducible_from"] == COMPUTABLE:  # from physics and literature constants
            assert row["status"] == "computed" and row["data_source"] == "computed" and row["outputs"], row["id"]
        if row["status"].startswith("not "):
            assert row["outputs"] == "" and row["notebook"] == "" and row["data_source"] == "none", row["id"]
    assert not [r["id"] for r in inventory if r["status"].startswith("not reproduced")]
    assert {r["id"] for r in inventory if r["status"] == "computed"} == {"Fig 1a", "Fig 2h", "Fig S6b"}


def test_output_paths_name_their_panel(inventory):
    for row in inventory:
        for path in filter(None, row["outputs"].split(";")):
            if path.startswith("tables/"):
                assert re.fullmatch(r"tables/[A-Za-z0-9_]+\.csv", path), path
                continue
            kind, number = row["id"].split(" ")
            prefix = {"Fig": "fig", "Table": "table"}[kind] + number
            assert re.fullmatch(rf"figures/{prefix}_[a-z0-9_]+\.(png|svg)", path), (row["id"], path)


def test_panel_list_validates_against_its_schema(root):
    rows = read_rows(root / PANELS, load_schema("figure_panels"))
    for row in rows:
        assert re.fullmatch(r"Fig S?[0-9]+[a-z]?|Table S[0-9]+", row["id"])
    text = (root / PANELS).read_text(encoding="utf-8")
    assert "\r" not in text


def test_cli_writes_68_rows_and_bad_input_writes_nothing(tmp_path, root, capsys):
    out = tmp_path / "figure_inventory.csv"
    assert main(["--panels", str(root / PANELS), "--out", str(out)]) == 0
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 68 and list(rows[0]) == COLUMNS
    first = out.read_bytes()
    assert main(["--panels", str(root / PANELS), "--out", str(out)]) == 0 and out.read_bytes() == first

    broken = tmp_path / "panels.csv"
    lines = (root / PANELS).read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("schematic (no data; optional redraw)", "table-in-paper")  # Fig 1c, row 3
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"panels\.csv, column 'reproducible_from', row 3: Fig 1c"):
        build_inventory(broken)
    bad_out = tmp_path / "never.csv"
    assert main(["--panels", str(broken), "--out", str(bad_out)]) == 1
    assert not bad_out.exists()
    assert capsys.readouterr().err.count("\n") == 1


def test_paper_order_rejects_unknown_ids():
    assert paper_order("Fig 5g") < paper_order("Fig S1a") < paper_order("Table S1")
    with pytest.raises(ValueError, match="not a panel id"):
        paper_order("Figure 3")


# ------------------------------------------------------------------------------------------------
# Report captions
# ------------------------------------------------------------------------------------------------

def test_every_planned_output_has_a_caption_category_and_subcategory(root):
    entries = report_entries()
    planned = {p for _, _, outputs in PLANNED.values() for p in outputs if not p.endswith(".svg")}
    assert planned <= set(entries)
    for path, entry in entries.items():
        assert set(entry) == {"caption", "category", "subcategory"}
        caption = root / "rules" / entry["caption"]  # resolved relative to the rule files
        assert caption.is_file(), path
        assert ":" not in entry["category"]  # a colon would break the report's RST link targets
    for panel, (_, _, outputs) in PLANNED.items():
        for path in outputs:
            if path.startswith("figures/"):
                assert entries[path.replace(".svg", ".png")]["subcategory"] == panel
    assert not {p.name for p in (root / "report").glob("*.rst")} - {
        Path(e["caption"]).name for e in entries.values()} - {"workflow.rst"}  # no orphan captions


def test_caption_numbers_are_the_papers():
    reported = {r["id"]: r for r in read_rows("data/paper/reported_values.csv", load_schema("reported_values"))}
    cited = 0
    for caption in sorted(Path("report").glob("*.rst")):
        text = caption.read_text(encoding="utf-8")
        for match in re.finditer(r"``([a-z0-9_]+)``", text):
            if match[1] not in reported:
                continue
            numbers = re.findall(r"-?[0-9]+(?:\.[0-9]+)?", text[max(0, match.start() - 40):match.start()])
            assert numbers and numbers[-1] == reported[match[1]]["value"], (caption.name, match[1], numbers)
            cited += 1
        if caption.stem.startswith(("fig", "table")):
            assert "Data source" in text, caption.name
    assert cited >= 60
