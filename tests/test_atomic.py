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


def test_a_cancelled_process_puts_no_file_in_place(tmp_path):
    """After analysis.atomic.cancel() (analysis.warm: the job's client is gone), a write leaves neither the
    file nor its temporary behind."""
    import subprocess
    import sys

    target = tmp_path / "out.txt"
    script = ("import sys\nfrom analysis.atomic import atomic_text, cancel\ncancel()\n"
              "try:\n    with atomic_text(sys.argv[1]) as h:\n        h.write('x')\n"
              "except KeyboardInterrupt as exc:\n    print('stopped:', exc)\n")
    done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("stopped:") and "not written, the job was stopped" in done.stdout
    assert list(tmp_path.iterdir()) == []
