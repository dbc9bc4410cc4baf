# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-lowest lint bench clean

$(BIN)/jobtrends: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/jobtrends

demo: install
	$(BIN)/jobtrends demo --out reports

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy crawler enrichment storage jobtrends tests bench
	$(BIN)/pytest -n 2 --dist loadgroup

# the suite on the lowest versions pyproject.toml allows (its lower bounds, checked)
test-lowest:
	$(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/pip install --quiet uv
	.venv-lowest/bin/uv pip install --quiet -p .venv-lowest/bin/python --resolution lowest-direct -e '.[test]'
	.venv-lowest/bin/pytest -n 2 --dist loadgroup -p no:cacheprovider

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy crawler enrichment storage jobtrends

clean:
	rm -rf $(VENV) .venv-lowest *.egg-info .pytest_cache .mypy_cache .ruff_cache
