"""The compendium as a reader sees it, in a real Chromium (Debian's `chromium`, driven by Playwright).

- ``report.html`` opens with no console errors, and every figure of the registry shows;
- every page of the static site (``results/site/``) loads from ``file://`` with the network
  blocked, every image loads, every internal link resolves, no request leaves the machine, and the
  explorer page draws its saved widgets;
- JupyterLab, started on a free local port, opens ``notebooks/index.ipynb`` and runs
  ``notebooks/explorer.ipynb``: its widgets render, and choosing another cell redraws the figure.

Each check is also run on a deliberately broken copy (an image missing or corrupt, widgets that do
not render) and must fail there. The tests use the workflow run shared with tests/test_workflow.py
(``workflow_copy`` in tests/conftest.py); what they saw goes to ``results/screenshots/``, which
the site links. CI installs chromium (`.ci/run`); without it these tests fail in CI and are
skipped elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from analysis.registry import PANEL, read_registry
from copies import linked_copy

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LOCAL = ("file:", "data:", "blob:", "about:", "http://127.0.0.1")
# every host name resolves to nothing: a page that needs the network cannot get it
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


def _need_browser():
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the Python package playwright"
    else:
        missing = None if CHROMIUM else "chromium (apt-get install -y chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is not installed: .ci/run installs it")
        pytest.skip(f"{missing} is not installed")


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", NO_NETWORK])
        yield chromium
        chromium.close()


class Page:
    """A page whose requests to anywhere but this machine are aborted and recorded, with its console errors."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self):
        self.context.close()


@contextmanager
def page_of(browser):
    page = Page(browser)
    try:
        yield page
    finally:
        page.close()


# ------------------------------------------------------------------------------------------------
# report.html
# ------------------------------------------------------------------------------------------------

def figure_panels() -> dict[str, dict[str, list[str]]]:
    """{section: {panel: [figure file names]}} of the registry's figures (per-cell ones left out)."""
    out: dict[str, dict[str, list[str]]] = {}
    for row in read_registry(ROOT / "data" / "figures.csv"):
        if row["output"].endswith(".png") and "{cell}" not in row["output"]:
            out.setdefault(row["section"], {}).setdefault(row["panel"], []).append(row["output"])
    return out


def check_report(browser, report: Path, panels: dict[str, dict[str, list[str]]], screenshot: str | None = None):
    """Problems seen in the report: console errors, requests off the machine, figures that do not show."""
    problems = []
    with page_of(browser) as p:
        page = p.page
        page.goto(report.as_uri())
        page.wait_for_selector("text=Results", timeout=20_000)
        shown = 0
        for section, figures in panels.items():
            page.goto(report.as_uri())
            page.get_by_text(section, exact=True).first.click()
            for panel, paths in figures.items():
                if page.locator("tr", has_text=paths[0]).count() == 0:  # a section of one panel opens it at once
                    page.get_by_text(section, exact=True).first.click()  # the breadcrumb: back to the panels
                    page.get_by_text(panel, exact=True).first.click()
                for path in paths:
                    page.locator("tr", has_text=path).locator("a[iconname=eye]").first.click()
                    image = page.locator(f"img[src*='filename={Path(path).name};']")
                    try:
                        image.wait_for(timeout=5_000)
                        page.wait_for_function("img => img.complete", arg=image.element_handle(), timeout=5_000)
                    except Exception:  # noqa: BLE001 - any failure to show is the finding
                        problems.append(f"{panel}: {path} not shown")
                        continue
                    if image.evaluate("img => img.naturalWidth") == 0:
                        problems.append(f"{panel}: {path} did not load (naturalWidth 0)")
                    shown += 1
                    if screenshot and shown == 1:
                        page.screenshot(path=str(SCREENSHOTS / screenshot))
        problems += [f"console error: {e}" for e in p.errors]
        problems += [f"request off the machine: {u}" for u in p.outside]
    return problems


@pytest.fixture(scope="module")
def report(workflow_copy, tmp_path_factory):
    copy = linked_copy(workflow_copy, tmp_path_factory.mktemp("report") / "repo")  # the built copy stays as it is
    result = subprocess.run([sys.executable, "-m", "snakemake", "--report", "report.html"], cwd=copy,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return copy / "report.html"


def test_report_opens_without_console_errors_and_every_figure_shows(browser, report, tmp_path):
    start = time.perf_counter()
    panels = figure_panels()
    assert sum(len(f) for f in panels.values()) >= 25
    assert check_report(browser, report, panels, screenshot="report_figure.png") == []
    print(f"\nreport checked in Chromium: {time.perf_counter() - start:.1f} s")

    # a report with one corrupt figure fails the same check
    broken = tmp_path / "report.html"
    text = report.read_text(encoding="utf-8")
    marker = "filename=fig3a_first_cycle_profiles.png;base64,iVBORw0KGgo"
    assert marker in text
    broken.write_text(text.replace(marker, marker.replace("iVBORw0KGgo", "AAAAAAAAAAA")), encoding="utf-8")
    section = next(s for s, f in panels.items() if "Fig 3a" in f)
    problems = check_report(browser, broken, {section: {"Fig 3a": panels[section]["Fig 3a"]}})
    assert problems and "fig3a_first_cycle_profiles.png" in problems[0], problems


# ------------------------------------------------------------------------------------------------
# The static site
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(workflow_copy, tmp_path_factory):
    copy = linked_copy(workflow_copy, tmp_path_factory.mktemp("site") / "repo")  # the built copy stays as it is
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "analysis.site"], cwd=copy, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    print(f"\nsite build: {time.perf_counter() - start:.1f} s")
    return copy / "results" / "site"


def site_pages(site: Path) -> list[Path]:
    """The site's pages (not the theme's template fragments under _static/)."""
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "_static")


LINKS = """() => [...document.querySelectorAll('a[href], img[src], script[src], link[href]')].map(e => [
    e.tagName, e.getAttribute('href') ?? e.getAttribute('src'), e.getAttribute('rel') || ''])"""
IMAGES = """async () => Promise.all([...document.images].map(img => {
    img.loading = 'eager';
    if (img.complete) return [img.getAttribute('src'), img.naturalWidth];
    return new Promise(done => {
        img.addEventListener('load', () => done([img.getAttribute('src'), img.naturalWidth]));
        img.addEventListener('error', () => done([img.getAttribute('src'), 0]));
        setTimeout(() => done([img.getAttribute('src'), img.naturalWidth]), 5000);
    });
}))"""


def check_site_page(p: Page, html: Path, site_root: Path) -> list[str]:
    """Problems of one page: requests off the machine or failing, images not loaded, links to nowhere."""
    p.outside.clear()
    p.failed.clear()
    p.errors.clear()
    name = html.relative_to(site_root)
    p.page.goto(html.as_uri())
    problems = [f"{name}: image {src} did not load" for src, width in p.page.evaluate(IMAGES) if not width]
    for tag, target, rel in p.page.evaluate(LINKS):
        if target is None or target.startswith(("#", "mailto:", "javascript:", "data:")):
            continue
        if re.match(r"^[a-z]+://", target):
            if tag != "A" and "canonical" not in rel:  # a script, style or image from elsewhere
                problems.append(f"{name}: loads {target}")
            continue
        path = unquote(urlparse(target).path)
        resolved = (html.parent / path).resolve() if path else html
        if resolved.is_dir():
            resolved = resolved / "index.html"
        if not resolved.is_file():
            problems.append(f"{name}: {tag.lower()} {target} resolves to no file")
    problems += [f"{name}: request off the machine {u}" for u in p.outside]
    problems += [f"{name}: request failed {u}" for u in p.failed]
    return problems


def explorer_widgets(p: Page, html: Path, timeout_ms: int = 10_000) -> list[str]:
    """Problems of the explorer page's saved widgets: the dropdowns and the drawn figure must show."""
    p.page.goto(html.as_uri())  # returns once the page and its scripts have loaded
    try:
        p.page.wait_for_selector(".jupyter-widgets select", timeout=timeout_ms)
    except Exception:  # noqa: BLE001
        return [f"{html.name}: no widget rendered"]
    dropdowns = p.page.locator(".widget-dropdown select").count()
    images = p.page.locator(".jupyter-widgets img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    problems = [] if dropdowns == 2 else [f"{html.name}: {dropdowns} dropdowns rendered, expected 2 (cell, view)"]
    if not images or not all(images):
        problems.append(f"{html.name}: the widget's figure did not show")
    return problems


def test_every_site_page_loads_offline_with_its_images_and_links(browser, site, tmp_path):
    from analysis.registry import notebook_order

    start = time.perf_counter()
    pages = site_pages(site)
    names = {str(p.relative_to(site)) for p in pages}
    # a page per notebook, in the registry's order in the navigation
    expected = [f"notebooks/{n}.html" for n in notebook_order() if n != "cell_overview"] + ["figures.html"]
    assert set(expected) <= names, sorted(set(expected) - names)
    index_html = (site / "index.html").read_text(encoding="utf-8")
    nav = [m for m in re.findall(r'href="(notebooks/[a-z_]+\.html)"', index_html) if m in expected]
    assert list(dict.fromkeys(nav))[:3] == expected[:3]
    for page in pages:  # nothing loaded from elsewhere, even in markup the browser would not fetch
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<(?:script|img|link|iframe)[^>]+(?:src|href)=\"https?://", text), page.name
    with page_of(browser) as p:
        problems = [problem for page in pages for problem in check_site_page(p, page, site)]
        assert problems == []
        assert explorer_widgets(p, site / "notebooks" / "explorer.html") == []
        for shot, page in (("site_index.png", "index.html"), ("site_figures.png", "figures.html"),
                           ("site_notebook.png", "notebooks/halfcell_first_cycle.html")):
            p.page.goto((site / page).as_uri())
            p.page.screenshot(path=str(SCREENSHOTS / shot))
        p.page.goto((site / "notebooks" / "explorer.html").as_uri())
        p.page.locator(".jupyter-widgets select").first.scroll_into_view_if_needed()
        p.page.screenshot(path=str(SCREENSHOTS / "site_explorer_widgets.png"))
        print(f"\n{len(pages)} site pages checked in Chromium: {time.perf_counter() - start:.1f} s")

        # broken copies fail: an image missing; the widgets' saved state gone
        broken = tmp_path / "site"
        shutil.copytree(site, broken)
        figures = broken / "figures.html"
        first_image = re.search(r'<img[^>]+src="([^"]+)"', figures.read_text(encoding="utf-8"))[1]
        (figures.parent / first_image).unlink()
        problems = check_site_page(p, figures, broken)
        assert any(first_image in problem and "did not load" in problem for problem in problems), problems
        explorer = broken / "notebooks" / "explorer.html"
        html = explorer.read_text(encoding="utf-8")
        stripped = re.sub(r'<script type="application/vnd.jupyter.widget-state\+json">.*?</script>', "", html,
                          flags=re.S)
        assert stripped != html
        explorer.write_text(stripped, encoding="utf-8")
        assert explorer_widgets(p, explorer, timeout_ms=3_000) != []  # loaded: 3 s to render is ample


# ------------------------------------------------------------------------------------------------
# JupyterLab
# ------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_root(workflow_copy, tmp_path_factory) -> Path:
    """The built copy as hard links: JupyterLab saves notebooks by replacing them, and the tests add one."""
    return linked_copy(workflow_copy, tmp_path_factory.mktemp("lab") / "repo")


@pytest.fixture(scope="module")
def lab(lab_root):
    _need_browser()
    port = free_port()
    log = open(lab_root / "results" / "jupyterlab.log", "w", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--allow-root", "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={lab_root}", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly"], cwd=lab_root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start: see {log.name}")
            time.sleep(0.5)
    yield url
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def run_all(page):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


EXECUTED = """() => { const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim())); }"""


def check_explorer_in_lab(p: Page, url: str, notebook: str, timeout_ms: int,
                          screenshots: tuple[str, str] | None = None) -> list[str]:
    """Open ``notebook`` in JupyterLab, run it; its widgets must render, and another cell must redraw the figure."""
    page = p.page
    page.goto(f"{url}/lab/tree/{notebook}?reset")  # a fresh workspace: only this notebook open
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    # the kernel has started and is idle (the status bar says so) before the cells are run
    page.wait_for_selector(".jp-StatusBar-Item :text-matches('Python 3.*Idle')", timeout=120_000)
    run_all(page)
    # every code cell has run (its prompt shows an execution count); then the widgets must show
    page.wait_for_function(EXECUTED, timeout=120_000)
    try:
        page.wait_for_selector(".jp-OutputArea .widget-dropdown select", timeout=timeout_ms)
        figure = page.locator(".jp-OutputArea .jupyter-widgets img").first
        figure.wait_for(timeout=timeout_ms)
    except Exception:  # noqa: BLE001
        page.screenshot(path=str(SCREENSHOTS / f"failed_{Path(notebook).stem}.png"))
        return [f"{notebook}: no widget rendered"]
    before = figure.get_attribute("src")
    if screenshots:
        figure.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / screenshots[0]))
    cell = page.locator(".jp-OutputArea .widget-dropdown select").first
    options = cell.locator("option").all_inner_texts()
    other = next(o for o in options if o != cell.input_value())
    cell.select_option(other)
    try:
        page.wait_for_function(
            "([before, name]) => { const img = document.querySelector('.jp-OutputArea .jupyter-widgets img');"
            " const text = document.querySelector('.jp-OutputArea .jupyter-widgets pre');"
            " return img && img.getAttribute('src') !== before && img.naturalWidth > 0"
            " && text && text.textContent.includes(name); }",
            arg=[before, other], timeout=timeout_ms)
    except Exception:  # noqa: BLE001
        return [f"{notebook}: choosing cell {other} did not redraw the figure"]
    if screenshots:
        page.locator(".jp-OutputArea .jupyter-widgets img").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(SCREENSHOTS / screenshots[1]))
    return []


def test_jupyterlab_opens_the_index_and_the_explorer_redraws_for_another_cell(browser, lab, lab_root):
    start = time.perf_counter()
    with page_of(browser) as p:
        p.page.goto(f"{lab}/lab/tree/notebooks/index.ipynb?reset")
        p.page.wait_for_selector(".jp-Notebook h1", timeout=60_000)
        assert "Start here" in p.page.locator(".jp-Notebook h1").first.inner_text()
        assert p.page.locator(".jp-Notebook a[href*='explorer.ipynb']").count() >= 1
        p.page.screenshot(path=str(SCREENSHOTS / "lab_index.png"))
        problems = check_explorer_in_lab(p, lab, "notebooks/explorer.ipynb", 120_000,
                                         screenshots=("lab_explorer.png", "lab_explorer_other_cell.png"))
        assert problems == []
        assert p.outside == []  # the page talks to the local server only
    print(f"\nJupyterLab checked in Chromium: {time.perf_counter() - start:.1f} s")

    # a copy of the explorer whose widgets are never displayed fails the same check
    source = (lab_root / "notebooks" / "explorer.ipynb").read_text(encoding="utf-8")
    line = "display(widgets.VBox([widgets.HBox([cell_box, quantity_box]), cycle_box, output]))"
    assert line in source
    (lab_root / "notebooks" / "explorer_broken.ipynb").write_text(
        source.replace(line, "pass  # deliberately broken: the widgets are never shown"), encoding="utf-8")
    try:
        with page_of(browser) as p:
            # all its cells have run when this looks: 5 s is ample for widgets that would show
            assert check_explorer_in_lab(p, lab, "notebooks/explorer_broken.ipynb", 5_000) != []
    finally:
        (lab_root / "notebooks" / "explorer_broken.ipynb").unlink()
