"""A Jupyter kernel forked from the warm process (:mod:`analysis.warm`): ipykernel with numpy, pandas,
xarray, pint, matplotlib and the analysis package already imported.

The workflow runs its notebooks with papermill's ``--kernel python3``; the Snakefile puts a kernel spec of
that name first on ``JUPYTER_PATH`` (``results/jupyter/kernels/python3/kernel.json``, written by
:func:`write_kernel_spec`) whose command is ``python -m analysis.warm_kernel -f {connection_file}``. The
kernel is the ordinary ipykernel, started in a fork instead of a new interpreter: each notebook still
gets a fresh process of its own, and saves the ~2 s of imports a cold kernel spends. When no warm process
can be reached (or ``COMPENDIUM_WARM=0``), the kernel starts cold, here. JupyterLab, Binder and the tests
that run a notebook by hand use the usual kernel.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import warm

INLINE = "module://matplotlib_inline.backend_inline"


def kernel_spec(python: str = sys.executable) -> dict:
    """The spec of the warm kernel (named ``python3``: the executed notebooks name the usual kernel)."""
    return {"argv": [python, "-m", "analysis.warm_kernel", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python", "interrupt_mode": "message",
            "metadata": {"debugger": True}}


def write_kernel_spec(folder: Path, python: str = sys.executable) -> Path:
    """Write ``<folder>/kernels/python3/kernel.json`` when its content differs; its path."""
    path = Path(folder, "kernels", "python3", "kernel.json")
    text = json.dumps(kernel_spec(python), indent=1, sort_keys=True) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        from .atomic import atomic_text

        with atomic_text(path) as handle:
            handle.write(text)
    return path


def kernel_main(argv: list[str]) -> int:
    """Start ipykernel with ``argv`` (``-f CONNECTION_FILE``); return when it shuts down."""
    os.environ["MPLBACKEND"] = INLINE  # what a cold ipykernel sets when nothing else is set
    import pandas as pd
    from ipykernel.kernelapp import IPKernelApp

    # pandas chose its display defaults when the warm process imported it, outside a kernel; these are
    # the ones it chooses inside one (pandas.core.config_init: no terminal, so 20 columns at most).
    pd.set_option("display.max_columns", 20)
    app = IPKernelApp.instance(parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0))
    app.initialize(argv)
    # Its parent is the warm process, which exits when idle while the kernel may still run: ipykernel's
    # parent poller would then shut the kernel down. Its life is tied to its client instead (analysis.warm
    # ends a job whose client is gone).
    app.poller = None
    # The inline backend, with the hooks that show each cell's figures (the warm process chose Agg).
    app.shell.enable_matplotlib("inline")
    app.start()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    code = warm.run(argv, "analysis.warm_kernel:kernel_main")
    if code is None:
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance(argv=argv)
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
