"""Where the compendium is hosted, from one setting: ``repository-code`` in ``CITATION.cff``.

The README's Binder badge, the index notebook's Binder link and the static site's launch and
repository buttons are all derived from it (``python -m analysis.registry --write`` rewrites the
README and the index; the site reads it at build time).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import DataError
from .paths import project_root

CITATION = "CITATION.cff"
BINDERHUB = "https://mybinder.org"
_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+?)/?$")


def repository_url(root: str | Path | None = None) -> str:
    """``repository-code`` of ``CITATION.cff``: a GitHub repository address."""
    import yaml

    path = Path(root if root is not None else project_root()) / CITATION
    try:
        url = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("repository-code", "")
    except FileNotFoundError:
        raise DataError("file not found", path=path) from None
    if not _GITHUB.match(str(url)):
        raise DataError(f"repository-code must be https://github.com/<owner>/<name>, found '{url}'", path=path,
                        column="repository-code")
    return str(url).rstrip("/")


def binder_url(root: str | Path | None = None, path: str = "notebooks/index.ipynb") -> str:
    """Binder address that opens ``path`` in JupyterLab, for the repository of :func:`repository_url`."""
    match = _GITHUB.match(repository_url(root))
    return f"{BINDERHUB}/v2/gh/{match['owner']}/{match['name']}/HEAD?urlpath=lab/tree/{path}"


def badge(root: str | Path | None = None) -> str:
    """The README's Binder badge (Markdown)."""
    return f"[![Binder]({BINDERHUB}/badge_logo.svg)]({binder_url(root)})"
