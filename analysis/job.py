"""The workflow's Python steps, each run in a fork of one warm process (:mod:`analysis.warm`).

    python -m analysis.job STEP [arguments of the step ...]

A step's command line is the one of its module (``python -m analysis.reconstruct --help`` and so on);
this launcher only starts light and hands the arguments to the warm process, which has imported numpy,
pandas, xarray, pint, matplotlib, scipy, papermill and the kernel's modules once. Each step still runs in
a process of its own (a fork), with the same code and outputs as a cold start; ``COMPENDIUM_WARM=0``
runs it cold, here. The notebooks' kernels are warm too (:mod:`analysis.warm_kernel`).
"""

from __future__ import annotations

import sys

from . import warm

#: step name -> the function (``module:function``, taking the argument list) that runs it
STEPS = {
    "cell": "analysis.overview:run_main",
    "reconstruct": "analysis.reconstruct.__main__:main",
    "fit": "analysis.reconstruct.fit:main",
    "calibration": "analysis.reconstruct.calibrate:main",
    "provenance": "analysis.provenance:main",
    "inventory": "analysis.inventory:main",
    "notebook": "analysis.job:papermill_main",
}


def papermill_main(argv: list[str]) -> int:
    """papermill's command line (``python -m papermill``), as a function that returns its exit code."""
    import click
    from papermill.cli import papermill

    try:
        papermill.main(args=list(argv), prog_name="papermill", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in STEPS:
        print(f"usage: python -m analysis.job {{{','.join(STEPS)}}} [arguments]", file=sys.stderr)
        return 2
    target = STEPS[argv[0]]
    code = warm.run(argv[1:], target)
    return warm.call(target, argv[1:]) if code is None else code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
