# Two commands matter: `make run` starts Steppe, `make test` checks everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench soak fuzz migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/steppe serve

demo: $(STAMP)
	$(BIN)/steppe serve --demo

migrate: $(STAMP)
	$(BIN)/steppe migrate

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run

soak: $(STAMP)
	$(BIN)/python -m bench.soak

fuzz: $(STAMP)
	$(BIN)/python -m bench.fuzz

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build src/*.egg-info
