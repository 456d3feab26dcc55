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

# The second nbval pass, which proves the committed outputs portable: a Colab-like venv
# (tools/colab_env.py: Colab's package versions, Python 3.11, torch 2.13.0 CPU) with CPU
# kernels other than this machine's own. MKL's and oneDNN's "compatible" code paths differ
# from their native dispatch on every x86 CPU, and ATen's AVX2 kernels from its AVX-512 ones.
PYTHON311 ?= python3.11
COLAB_VENV := .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.created
OTHER_KERNELS := ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41
# tqdm's own switch: nbval, like tools/execute_notebooks.py, runs the chapters without bars.
NO_BARS := TQDM_DISABLE=1
NBVAL = --nbval --nbval-current-env --nbval-cell-timeout=$(CELL_TIMEOUT) \
  --nbval-sanitize-with tests/nbval_sanitize.cfg -n $(JOBS) --dist loadfile -p no:cacheprovider

# The package tests at the oldest versions pyproject.toml allows (tools/lower_bounds.py).
LOWER_VENV := .venv-lower
LOWER_BUILD := _build/lower-bounds
TEST_TOOLS := $(shell grep -E '^(pytest|hypothesis|pytorch-metric-learning|torchmetrics|myst-nb)==' requirements.txt)

# Full fidelity, outside `make test`: Python 3.13 as on Colab, Colab's exact freeze, torch 2.11.
COLAB_FULL_VENV := .venv-colab-full
PYTHON313 ?= $(shell pyenv root 2>/dev/null)/versions/3.13.0/bin/python

ASSIGNMENTS_OUT := _build/assignments

.PHONY: help venv offline-assets book book-strict book-ko book-student assignments bench test test-package test-notebooks \
  test-notebooks-colab test-lower-bounds colab-check test-site test-i18n test-assignments test-bench notebooks translations clean

help:
	@echo "make book   build the site into $(HTML) (and the Korean edition into $(KO_HTML)) from the committed notebook outputs"
	@echo "make book-ko   the Korean edition only, into $(KO_HTML)"
	@echo "make translations   merge changed English into the Korean catalogue (locale/ko) and list what needs Korean"
	@echo "make test   package tests, nbval on every notebook, strict build, browser check"
	@echo "make notebooks   re-execute every notebook in place (after changing one)"
	@echo "make assignments   student notebooks + autograder bundles into $(ASSIGNMENTS_OUT)"
	@echo "make book-student  the student edition: a repository without solutions and its site, into _build/student"
	@echo "make bench   speed and memory against torch and the reference libraries"
	@echo "make colab-check   every chapter top to bottom in Colab's exact environment (slow, downloads torch 2.11)"
	@echo "make full-results   the case studies at SIZE=cpu|gpu|smoke|tiny within BUDGET minutes, resumable (CHAPTERS=a,b WORKERS=n RESULTS_DIR=dir)"

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
# The Korean edition's font too (regular and bold, woff2, in the font's own unicode-range
# slices): a reader's browser fetches only the slices a page uses.
KO_FONT_NPM := offline/node_modules/@fontsource/noto-sans-kr
KO_FONT := offline/static/fonts/noto-sans-kr
offline-assets: $(ASSETS)

$(ASSETS): offline/package.json offline/package-lock.json offline/widgets-assets-path.js
	cd offline && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf offline/static && mkdir -p offline/static/html-manager
	cp -r offline/node_modules/mathjax/es5 offline/static/mathjax
	cp offline/node_modules/requirejs/require.js offline/static/require.js
	cp offline/widgets-assets-path.js offline/static/
	cd offline/node_modules/@jupyter-widgets/html-manager/dist && \
	  cp $$(ls | grep -v -E '\.(map|LICENSE\.txt)$$') ../../../../static/html-manager/
	mkdir -p $(KO_FONT)/files
	cp $(KO_FONT_NPM)/LICENSE $(KO_FONT)/
	for weight in 400 700; do \
	  sed -E "s/, url\([^)]*\.woff\) format\('woff'\)//" $(KO_FONT_NPM)/$$weight.css > $(KO_FONT)/$$weight.css; \
	  cp $(KO_FONT_NPM)/files/noto-sans-kr-*-$$weight-normal.woff2 $(KO_FONT)/files/; \
	done
	touch $@

# The site, built strictly: a warning (broken reference, missing figure) fails the build.
book-strict: $(STAMP) $(ASSETS)
	rm -rf $(HTML) _build/.doctrees _build/jupyter_execute
	$(BIN)/jupyter-book build . -W -n --keep-going

# The Korean edition (tools/i18n.py): the English pages and the committed Korean notebooks
# (ko/notebooks) with the catalogue's Korean (locale/ko), built as strictly as the English.
KO_BUILD := _build/ko
KO_HTML := $(KO_BUILD)/html
book-ko: $(STAMP) $(ASSETS)
	$(BIN)/python tools/i18n.py check
	$(BIN)/python tools/i18n.py generate --check
	rm -rf $(KO_BUILD)
	$(BIN)/python tools/i18n.py source $(KO_BUILD)/src
	$(BIN)/jupyter-book build $(KO_BUILD)/src --path-output $(KO_BUILD) -W -n --keep-going
	mv $(KO_BUILD)/_build/html $(KO_HTML)

# Both editions where the repository has the Korean catalogue (the student repository,
# which copies this rule, is English only).
book: book-strict $(if $(wildcard locale/ko),book-ko)
	@echo
	@echo "The book is built. Open it with:  xdg-open $(abspath $(HTML))/index.html"
	@$(if $(wildcard locale/ko),echo "한국어판 (the Korean edition):  xdg-open $(abspath _build/ko/html)/index.html")
	@echo "(or serve it: $(BIN)/python -m http.server -d $(HTML) 8000, then http://localhost:8000)"

test-package: $(STAMP)
	$(BIN)/python -m pytest tests/package tests/notebooks --doctest-modules lossbook -q

test-notebooks: $(STAMP)
	$(NO_BARS) $(BIN)/python -m pytest $(NBVAL) notebooks -q

$(COLAB_STAMP): tests/colab/pip-freeze.cpu.txt tools/colab_env.py
	$(BIN)/python tools/colab_env.py create $(COLAB_VENV) --python $(PYTHON311)
	touch $@

# Runs every chapter's Colab setup cell in the Colab-like venv (fails if it changes a package
# Colab preinstalls), then nbval there under other CPU kernels.
test-notebooks-colab: $(STAMP) $(COLAB_STAMP)
	$(BIN)/python tools/colab_env.py install $(COLAB_VENV)
	$(NO_BARS) PYDEVD_DISABLE_FILE_VALIDATION=1 $(OTHER_KERNELS) $(COLAB_VENV)/bin/python -m pytest $(NBVAL) notebooks -q

test-lower-bounds: $(STAMP)
	rm -rf $(LOWER_BUILD) && mkdir -p $(LOWER_BUILD)
	$(BIN)/python tools/lower_bounds.py > $(LOWER_BUILD)/constraints.txt
	test -x $(LOWER_VENV)/bin/python || $(PYTHON311) -m venv $(LOWER_VENV)
	$(LOWER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOWER_VENV)/bin/python -m pip install --quiet -c $(LOWER_BUILD)/constraints.txt ".[nlp]" $(TEST_TOOLS)
	$(LOWER_VENV)/bin/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(LOWER_VENV)/bin/python tools/lower_bounds.py --check-installed
	$(LOWER_VENV)/bin/python -m pytest tests/package -q -p no:cacheprovider

# Every chapter top to bottom in Colab's own environment. Outside `make test`: it downloads
# torch 2.11 (a CUDA build, ~2.5 GB with its nvidia packages) and runs without a GPU.
colab-check: $(STAMP)
	$(BIN)/python tools/colab_env.py create $(COLAB_FULL_VENV) --python $(PYTHON313) --exact
	$(BIN)/python tools/colab_env.py install $(COLAB_FULL_VENV)
	$(COLAB_FULL_VENV)/bin/python tools/execute_notebooks.py --check-only --timeout 1200 notebooks/*.ipynb

# The two editions' browser checks run side by side (one file per worker).
test-site: book-strict book-ko
	$(BIN)/python -m pytest tests/site -q -n $(JOBS) --dist loadfile

# The Korean catalogue: every entry translated, none fuzzy, formulas and references carried
# over, glossary terms used; the Korean notebooks regenerate unchanged.
test-i18n: $(STAMP)
	$(BIN)/python -m pytest tests/i18n -q

# Student bundles (<name>-student.zip) and autograder bundles (Otter-Grader), one folder per
# assignment. Otter first runs every test against the reference solutions and fails if one loses a mark.
assignments: $(STAMP)
	$(BIN)/python assignments/build.py --out $(ASSIGNMENTS_OUT)

# The student edition: a student repository (chapters without solutions, no answer key) in
# _build/student/repo and the site built from it in _build/student/_build/html, then scanned:
# any solution text, solution directive or link to this repository fails the target.
book-student: $(STAMP) $(ASSETS)
	$(BIN)/python assignments/student_edition.py --out _build/student

# The grader both ways, the student bundles, and the student edition built and scanned.
test-assignments: $(STAMP) $(ASSETS)
	$(BIN)/python -m pytest tests/assignments -q

# Speed and memory ratios against the references; writes benchmarks/results/<device>.{json,md,png}.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# That the benchmark runs (never a timing assertion): smallest size, three repeats, results thrown away.
test-bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --smoke --out _build/bench-smoke/cpu.json

TEST_PARTS := test-package test-i18n test-notebooks test-notebooks-colab test-lower-bounds test-site test-assignments test-bench

# Each part in turn, with its wall time (CI's budget is 30 minutes for all of them).
test:
	@for part in $(TEST_PARTS); do \
	  start=$$(date +%s); $(MAKE) --no-print-directory $$part || exit 1; \
	  echo "== $$part passed in $$(( $$(date +%s) - start )) s"; \
	done

# The four case studies, one (configuration, seed) at a time into lossbook/full_results/<chapter>.<size>.json
# (or RESULTS_DIR); a rerun skips what the files hold, so a run cut by its BUDGET (minutes) continues later.
# On a GPU machine: make full-results SIZE=gpu BUDGET=11 WORKERS=15 (MiniLM on the GPU, the rest on the cores).
CHAPTERS ?= focal_calibration,dice_loss_ner,mixed_ce_translation,scl_few_shot
SIZE ?= cpu
BUDGET ?= 75
WORKERS ?= 1
.PHONY: full-results
full-results: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m lossbook.studies --chapters $(CHAPTERS) --size $(SIZE) --budget-minutes $(BUDGET) \
	  --workers $(WORKERS) $(if $(RESULTS_DIR),--results-dir $(RESULTS_DIR))

# Re-run every notebook top to bottom in a fresh kernel and store the outputs (commit them),
# then the Korean notebooks from them (their code and outputs are the English ones).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb
	$(BIN)/python tools/i18n.py generate

# After changing English prose: merge it into the catalogue (changed entries become fuzzy),
# and list what needs Korean.
translations: $(STAMP)
	$(BIN)/python tools/i18n.py update
	$(BIN)/python tools/i18n.py check || true

clean:
	rm -rf _build offline/static offline/node_modules $(COLAB_VENV) $(LOWER_VENV) $(COLAB_FULL_VENV)
