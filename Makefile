# Two commands do everything on a machine with python3 (3.10+) and make:
#   make demo   -- create .venv, install, run the example on the bundled sample
#   make test   -- create .venv, install with test extras, run ruff, import-linter (the layers),
#                  mypy --strict, pytest, the identifier tests again on the oldest versions of
#                  the checking libraries we allow (.venv-floor), and build the docs site with
#                  mkdocs --strict
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

FLOOR := .venv-floor

.PHONY: demo test lint typecheck pytest floor docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[cli]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[docs,testing]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev,bench]'
	touch $@

# The sample carries faulty records on purpose, so its check exits 1; only 2 (an error) fails.
demo: $(VENV)/.installed
	$(BIN)/python -m accountcore || test $$? -eq 1

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict

pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

test: lint typecheck pytest floor docs

# The identifier and card tests on the floors of python-stdnum, schwifty and phonenumbers
# (constraints/floor.txt pins each to the lowest version pyproject.toml allows), so a floor
# is never a version whose rules we do not pass.
$(FLOOR)/.installed: pyproject.toml constraints/floor.txt
	$(PYTHON) -m venv $(FLOOR)
	$(FLOOR)/bin/python -m pip --disable-pip-version-check -q install -e . 'hypothesis>=6.100' 'pytest>=8' -c constraints/floor.txt
	touch $@

floor: $(FLOOR)/.installed
	$(FLOOR)/bin/python -m pytest -q -p no:cacheprovider -o addopts="" tests/identifiers tests/entities

# The docs site (mkdocs.yml) into site/; --strict turns every warning into a failure.
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(FLOOR) .mypy_cache .ruff_cache .hypothesis site
