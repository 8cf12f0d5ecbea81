# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEMO   ?=
DEMO_EMPLOYERS ?= 300
DEMO_REVIEWS   ?= 4000
# Where links in emails point: the server `make run` starts, unless SITE_URL is set. `make tick`
# and the other commands use the same, so their emails link to the running server's port.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL
PYTEST_ARGS ?=
# pytest-xdist workers: one per core; `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto

export FLASK_APP := app:create_app
# The PostgreSQL migration test runs wherever a local server answers (CI always has one).
TEST_POSTGRES_URL ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo postgresql://postgres@127.0.0.1:5432/test)
export TEST_POSTGRES_URL

.PHONY: install install-dev run tick test lint browser-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: install
	$(BIN)/flask db upgrade
ifneq ($(DEMO),)
	$(BIN)/flask heardback demo-data --employers $(DEMO_EMPLOYERS) --reviews $(DEMO_REVIEWS) --seed 1 --if-empty
	$(BIN)/flask heardback recompute
endif
	@echo "HeardBack is running at http://$(HOST):$(PORT)/ — press Ctrl+C to stop (links in emails: $(SITE_URL)/)"
	SITE_URL='$(SITE_URL)' $(BIN)/flask run --host $(HOST) --port $(PORT)

# The periodic jobs (reminders, publication, mail), once, with the same SITE_URL as `make run`.
tick: install
	SITE_URL='$(SITE_URL)' $(BIN)/flask heardback tick

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

browser-test: install-dev
	$(BIN)/pytest tests/browser -p no:xdist $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
