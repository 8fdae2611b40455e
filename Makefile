# Two commands for a newcomer (README): `make demo` and `make test`.
# Each creates a local virtual environment in .venv and installs into it, so nothing
# depends on what the machine already had.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test bench lint clean notebooks

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-test: setup.cfg setup.py pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[test]"
	touch $@

$(VENV)/.installed-demo: setup.cfg setup.py pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[demo]"
	touch $@

$(VENV)/.installed-notebooks: setup.cfg setup.py pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[notebooks]"
	touch $@

demo: $(VENV)/.installed-demo
	$(PY) demos/xor.py
	$(PY) demos/mnist.py

test: $(VENV)/.installed-test
	$(PY) -m pytest

# The Korean chapter notebooks in JupyterLab, with this venv's Python as their kernel.
notebooks: $(VENV)/.installed-notebooks
	$(PY) -m jupyter lab notebooks

bench: $(VENV)/.installed-test
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed-test
	$(PY) -m pip install ruff
	$(PY) -m ruff check tinygrad_edu tests demos benchmarks docs

clean:
	rm -rf $(VENV) build dist *.egg-info demos/output
