# Two commands matter: `make run` starts Steppe, `make test` checks everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench soak fuzz migrate demo clean assets i18n screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml src/steppe/web/assets.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/steppe assets
	touch $(STAMP)

# The pages' front-end libraries at their pinned versions (checked against their hashes).
assets: $(STAMP)
	$(BIN)/steppe assets

# Bring the translation catalogues in step with the templates and code, then list the gaps.
i18n: $(STAMP)
	$(BIN)/steppe i18n update
	$(BIN)/steppe i18n check

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

# Two worker processes, each taking whole test files (a file's servers and fixtures stay
# together); TEST_WORKERS=0 runs them in this process, one after another.
TEST_WORKERS ?= 2
pytest: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

test: lint typecheck pytest

# The browser tests, writing their screenshots into docs/console/ (shown by docs/console.md).
screenshots: $(STAMP)
	STEPPE_SCREENSHOTS=docs/console $(BIN)/pytest -q -p no:cacheprovider tests/browser

bench: $(STAMP)
	$(BIN)/python -m bench.run

soak: $(STAMP)
	$(BIN)/python -m bench.soak

fuzz: $(STAMP)
	$(BIN)/python -m bench.fuzz

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build src/*.egg-info src/steppe/web/static/vendor
