# Two commands do everything on a fresh machine with Python >= 3.11 and pip:
#   make        create .venv if needed, install the project, run the whole workflow, write report.html
#               and the static site of the executed notebooks (results/site/index.html)
#   make test   the same set-up, then the test suite (what CI runs; the browser tests need chromium:
#               `make browser` installs it with apt when missing)
#   make test-fast  the unit tests only (no workflow, no notebook): a minute, for every edit
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SNAKEMAKE_ARGS ?=

.PHONY: all reproduce report site browser test test-fast lab lint dry-run clean install

all: reproduce report site

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,lab,site]"
	@touch $(STAMP)

install: $(STAMP)

## reproduce every figure and table (bare `snakemake` with the default profile)
reproduce: $(STAMP)
	$(BIN)/snakemake $(SNAKEMAKE_ARGS)

## self-contained HTML report of every figure and table, by paper section (opens offline)
report: reproduce
	$(BIN)/snakemake --report report.html

## static site of the executed notebooks, results/site/index.html (Sphinx; opens offline, from file://)
site: reproduce
	$(BIN)/python -m analysis.site

## Debian's chromium (for the browser tests) and npm (fetches the site's widget JavaScript), when missing
browser:
	@command -v chromium >/dev/null && command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium npm; \
	  else echo "chromium or npm missing: sudo apt-get install chromium npm"; fi; }

# the tests run in one pytest-xdist worker per CPU (PYTEST_WORKERS=0: in this process); a test that waits
# (a browser, a server) leaves its CPU to another. worksteal: each worker takes half the tests in file order
# (a module's fixtures are made once) and an idle worker takes over the rest of the other's half
PYTEST_WORKERS ?= logical
PYTEST := $(BIN)/python -m pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist worksteal)

## unit tests, notebook runs, one end-to-end workflow run in a temporary copy, browser tests
test: $(STAMP)
	$(PYTEST)

## unit tests of analysis/ and the data: no workflow run, no notebook (tests marked `slow` are left out)
test-fast: $(STAMP)
	$(PYTEST) -m "not slow"

## open the notebooks in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/snakemake --lint

dry-run: $(STAMP)
	$(BIN)/snakemake --dry-run

## remove generated outputs (never data/)
clean:
	rm -rf results .snakemake report.html
	find figures tables -type f ! -name README.md -delete
