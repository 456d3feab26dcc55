# lossbook — two commands for a fresh machine: `make book` and `make test`.
# Everything runs in .venv, created from requirements.txt when missing or out of date.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := offline/static/.installed
HTML := _build/html
JOBS ?= 2
CELL_TIMEOUT ?= 600

.PHONY: help venv offline-assets book book-strict test test-package test-notebooks test-site notebooks clean

help:
	@echo "make book   build the site into $(HTML) from the committed notebook outputs"
	@echo "make test   package tests, nbval on every notebook, strict build, browser check"
	@echo "make notebooks   re-execute every notebook in place (after changing one)"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# MathJax, require.js and the ipywidgets embed manager, pinned in offline/package-lock.json,
# fetched from the npm registry and served from the site so pages work without internet.
offline-assets: $(ASSETS)

$(ASSETS): offline/package.json offline/package-lock.json offline/widgets-assets-path.js
	cd offline && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf offline/static && mkdir -p offline/static/html-manager
	cp -r offline/node_modules/mathjax/es5 offline/static/mathjax
	cp offline/node_modules/requirejs/require.js offline/static/require.js
	cp offline/widgets-assets-path.js offline/static/
	cd offline/node_modules/@jupyter-widgets/html-manager/dist && \
	  cp $$(ls | grep -v -E '\.(map|LICENSE\.txt)$$') ../../../../static/html-manager/
	touch $@

# The site, built strictly: a warning (broken reference, missing figure) fails the build.
book-strict: $(STAMP) $(ASSETS)
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going

book: book-strict
	@echo
	@echo "The book is built. Open it with:  xdg-open $(abspath $(HTML))/index.html"
	@echo "(or serve it: $(BIN)/python -m http.server -d $(HTML) 8000, then http://localhost:8000)"

test-package: $(STAMP)
	$(BIN)/python -m pytest tests/package tests/notebooks --doctest-modules lossbook -q

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-cell-timeout=$(CELL_TIMEOUT) \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -n $(JOBS) --dist loadfile notebooks -q

test-site: book-strict
	$(BIN)/python -m pytest tests/site -q

test: test-package test-notebooks test-site

# Re-run every notebook top to bottom in a fresh kernel and store the outputs (commit them).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

clean:
	rm -rf _build offline/static offline/node_modules
