import os
import stat

import pytest

from analysis.atomic import atomic_text


def test_success_replaces_the_file_with_the_usual_mode(tmp_path):
    target = tmp_path / "out" / "table.csv"
    with atomic_text(target) as handle:
        handle.write("a,b\n")
    assert target.read_text() == "a,b\n"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["table.csv"]


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_text(target) as handle:
            handle.write("half a li")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]
