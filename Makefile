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
CELL_TIMEOUT ?= 300

ASSIGNMENTS_OUT := _build/assignments
STUDENT_CONFIG := _build/student-config/_config.yml

.PHONY: help venv offline-assets book book-strict book-student assignments bench test test-package test-notebooks test-site test-assignments test-bench notebooks clean

help:
	@echo "make book   build the site into $(HTML) from the committed notebook outputs"
	@echo "make test   package tests, nbval on every notebook, strict build, browser check"
	@echo "make notebooks   re-execute every notebook in place (after changing one)"
	@echo "make assignments   student notebooks + autograder bundles into $(ASSIGNMENTS_OUT)"
	@echo "make book-student  the site with exercise solutions hidden, into _build/student"
	@echo "make bench   speed and memory against torch and the reference libraries"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
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
	rm -rf $(HTML) _build/.doctrees _build/jupyter_execute
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

# Student notebooks and autograder bundles (Otter-Grader), one folder per assignment.
# Otter first runs every test against the reference solutions and fails if one loses a mark.
assignments: $(STAMP)
	$(BIN)/python assignments/build.py --out $(ASSIGNMENTS_OUT)

# The student edition: the same site with every exercise solution left out.
book-student: $(STAMP) $(ASSETS)
	rm -rf _build/student
	$(BIN)/python assignments/student_edition.py $(STUDENT_CONFIG)
	$(BIN)/jupyter-book build . --config $(STUDENT_CONFIG) --path-output _build/student -W -n --keep-going
	! grep -rl 'class="solution' _build/student/_build/html --include='*.html'
	@echo "The student edition is built: $(abspath _build/student/_build/html)/index.html"

test-assignments: $(STAMP)
	$(BIN)/python -m pytest tests/assignments -q

# Speed and memory ratios against the references; writes benchmarks/results/<device>.{json,md,png}.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# That the benchmark runs (never a timing assertion): smallest size, three repeats, results thrown away.
test-bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --smoke --out _build/bench-smoke/cpu.json

test: test-package test-notebooks test-site test-assignments test-bench

# Re-run every notebook top to bottom in a fresh kernel and store the outputs (commit them).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

clean:
	rm -rf _build offline/static offline/node_modules
