# Sphinx configuration of the static site of the executed notebooks (`make site`, analysis/site.py).
# The build step stages the pages in results/site_src/, copies this file there and writes site_settings.json (the
# repository from CITATION.cff, the site's title); nothing is executed here: papermill already ran
# every notebook. Every script, style and font comes from a local copy, so the pages open offline
# and from file://.
import json
from pathlib import Path

settings = json.loads((Path(__file__).parent / "site_settings.json").read_text(encoding="utf-8"))

project = settings["title"]
author = "The sung2023-compendium authors"
copyright = "the sung2023-compendium authors; figures reproduced from Sung et al., Adv. Mater. 2023"
extensions = ["myst_nb", "sphinx-mathjax-offline"]  # MathJax from the package's own copy
exclude_patterns = ["_build", "**.ipynb_checkpoints", "site_settings.json", "_outputs"]
master_doc = "index"

nb_execution_mode = "off"  # executed by papermill in the workflow
# The widget manager, only on pages with saved widget state: local copies of the npm packages (fetched at
# build time) and our loader configuration (site/widgets_config.js), instead of myst-nb's CDN addresses.
nb_ipywidgets_js = {"widgets/require.js": {}, "widgets/config.js": {}, "widgets/embed-amd.js": {}}
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 2
numfig = True
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure"]

html_theme = "sphinx_book_theme"
html_title = settings["title"]
html_static_path = ["_static"]
html_last_updated_fmt = None
html_copy_source = True  # the staged notebooks, for the download button
html_show_sourcelink = True
html_theme_options = {
    "repository_url": settings["repository"],
    "repository_branch": "HEAD",
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {"binderhub_url": settings["binderhub_url"], "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
}
