# Two commands on a fresh machine: `make run` and `make test` (only Python 3.11+ and make needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app certify
HOST ?= 127.0.0.1
PORT ?= 5000
# The address credentials, QR codes, share links and mails name: where `make run` serves,
# unless CERTIFY_PUBLIC_BASE_URL is set (e.g. the machine's name when HOST=0.0.0.0).
CERTIFY_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
DEMO_ENV := CERTIFY_DEMO=1 CERTIFY_PUBLIC_BASE_URL=$(CERTIFY_PUBLIC_BASE_URL)

.PHONY: run test lint translations compile-translations migrate demo browser-deps clean bench bench-scale interop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Each catalog is compiled when it changed, so a second make beside a running suite (CI runs
# the PostgreSQL pass beside the SQLite one) rewrites no file a test may be reading.
CATALOGS := $(wildcard certify/translations/*/LC_MESSAGES/messages.po)
compile-translations: $(CATALOGS:.po=.mo)

%.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ -f

migrate: $(STAMP)
	CERTIFY_DEMO=1 $(FLASK) db upgrade

demo: migrate compile-translations
	$(DEMO_ENV) $(FLASK) demo

run: demo
	$(DEMO_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP) compile-translations interop
	$(BIN)/python tests/run_suite.py $(PYTEST_ARGS)

# The reference verifiers of tests/interop (issue 15), exact versions from its lockfile, installed
# once (the stamp). Without node the interop tests skip -- unless CI=true, where that fails.
INTEROP := tests/interop
INTEROP_STAMP := $(INTEROP)/node_modules/.installed

$(INTEROP_STAMP): $(INTEROP)/package.json $(INTEROP)/package-lock.json
	cd $(INTEROP) && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

interop:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory --question $(INTEROP_STAMP) || $(MAKE) --no-print-directory $(INTEROP_STAMP); \
	elif [ "$$CI" = true ]; then \
		echo "node and npm are needed for the interop tests (CI=true)" >&2; exit 1; \
	fi

# Benchmarks print figures (scoring, certificates, verification under load on PostgreSQL).
bench: $(STAMP) compile-translations
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/scoring.py
	$(BIN)/python benchmarks/certificates.py
	$(BIN)/python benchmarks/verify_load.py

# Issue 17: 1×, 10× and 100× a real call on PostgreSQL (databases scale1, scale10, scale100 on
# CERTIFY_BENCH_PG, generated once and kept), served as docs/deployment.md prescribes.
CERTIFY_BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432
bench-scale: $(STAMP) compile-translations
	$(BIN)/python benchmarks/scale.py --generate --scales 1,10,100 \
		--url-template '$(CERTIFY_BENCH_PG)/scale{scale}'

# ruff, bandit, and the import contracts in pyproject.toml (layers; pure scoring and credentials).
lint: $(STAMP)
	$(BIN)/ruff check certify rubrics assessments tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r certify rubrics assessments

# Extract every message, merge it into the EN/RU/KK catalogs, compile them.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o certify/translations/messages.pot --no-location --sort-output --project certify .
	$(BIN)/pybabel update -i certify/translations/messages.pot -d certify/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d certify/translations -f

# Debian's Chromium for the browser tests (never a downloaded browser); needs root or sudo.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then echo "chromium present"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi

clean:
	rm -rf $(VENV) instance .pytest_cache $(INTEROP)/node_modules
