# Two commands for a newcomer (README): `make demo` and `make test`.
# Each creates a local virtual environment in .venv and installs into it, so nothing
# depends on what the machine already had.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Quiet installs (the demo's output is what a newcomer should read). editable_mode=compat puts
# the clone on sys.path, so the installed package wins even when Python starts in the folder
# that holds the clone (a folder named tinygrad_edu would otherwise shadow it as an empty
# namespace package).
INSTALL := $(PY) -m pip install -q --disable-pip-version-check --config-settings editable_mode=compat -e

.PHONY: demo test bench lint clean notebooks

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-test: setup.cfg setup.py pyproject.toml | $(PY)
	$(INSTALL) ".[test]"
	touch $@

$(VENV)/.installed-demo: setup.cfg setup.py pyproject.toml | $(PY)
	$(INSTALL) ".[demo]"
	touch $@

$(VENV)/.installed-notebooks: setup.cfg setup.py pyproject.toml | $(PY)
	$(INSTALL) ".[notebooks]"
	touch $@

demo: $(VENV)/.installed-demo
	$(PY) demos/xor.py
	$(PY) demos/mnist.py

test: $(VENV)/.installed-test
	$(PY) -m pytest

# The Korean notebooks in JupyterLab, with this venv's Python as their kernel. Jupyter refuses
# to start as root unless told it may (containers and cloud machines often run as root).
USER_ID ?= $(shell id -u 2>/dev/null)
JUPYTER_ROOT := $(if $(filter 0,$(USER_ID)),--allow-root)
notebooks: $(VENV)/.installed-notebooks
	$(PY) -m jupyter lab $(JUPYTER_ROOT) notebooks

bench: $(VENV)/.installed-test
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed-test
	$(PY) -m pip install ruff
	$(PY) -m ruff check tinygrad_edu tests demos benchmarks docs

clean:
	rm -rf $(VENV) build dist *.egg-info demos/output
