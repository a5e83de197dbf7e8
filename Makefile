# One entry point for people and CI. Everything installs itself into .venv.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test install bench load chaos scaleout lint vendor-frontend clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) scripts/run.py --port $(PORT)

test: install
	bash scripts/test.sh $(ARGS)

bench: install
	$(PY) manage.py bench_validation
	mkdir -p var
	$(PY) manage.py migrate --no-input --verbosity 0
	$(PY) manage.py bench_dashboard

# Ruff's checks (import sorting included) and layout, and the import contracts in pyproject.toml
# (pure cores, domain below interface, apps in layers without cycles; docs/adr/0032).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

vendor-frontend:
	bash scripts/vendor_frontend.sh

clean:
	rm -rf var/ .pytest_cache

# The deadline surge against the production-shaped stack on this machine (docs/reliability.md).
load: install
	$(PY) scripts/load.py

# The same surge, smaller, while a worker is killed, Redis restarts and PostgreSQL stops briefly.
chaos: install
	$(PY) scripts/load.py --chaos

# Two web hosts and two worker hosts sharing only PostgreSQL, Redis and S3 (moto's server), one
# worker host killed mid-surge (docs/reliability.md).
scaleout: install
	$(PY) scripts/scaleout.py
