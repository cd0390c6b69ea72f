# Two commands run everything: `make run` (whole stack on SQLite with demo accounts) and `make test`.
# Every target sets up what it needs first; setup steps are idempotent (stamp files).

SHELL := /bin/bash
PY311 ?= python3
# The Rasa server env's interpreter: Python 3.11 exactly (Rasa 3.6's TensorFlow 2.12 has no cp312
# wheels; 3.10 is end of life). See README "Which Python runs what".
RASA_PY ?= $(shell for p in python3.11 $$(ls -d $$HOME/.pyenv/versions/3.11*/bin/python3.11 2>/dev/null); do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null && { command -v $$p || echo $$p; } && break; done)
VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
PIP_QUIET := --quiet --disable-pip-version-check
RASA := $(RASA_VENV)/bin/rasa
RASA_DATA := nlu/train
MODEL_STAMP := models/.trained
# Rasa's training cache reuses a component trained earlier when its config, inputs and library
# versions match; the Python version is not part of that key. Kept inside the env, it goes with
# the env, so a new interpreter or lock always trains from scratch (a CRF trained on 3.10 would
# otherwise come back on 3.11 with different feature names).
export RASA_CACHE_DIRECTORY := $(CURDIR)/$(RASA_VENV)/rasa-cache
TRAINING_INPUTS := domain.yml config.yml $(shell find nlu/train -name '*.yml' 2>/dev/null)
CATALOG_SOURCES := $(wildcard messages/locales/*/LC_MESSAGES/*.po)
CATALOGS := $(CATALOG_SOURCES:.po=.mo)

export PYTHONDONTWRITEBYTECODE := 1

# The one development mode (billing_core/secrets.py): public development secrets, a generated
# bank-data key, texts to the outbox. Only the targets that start processes on this machine set it;
# `make test` does not (tests/conftest.py sets it for the test process; the production drills run
# their processes outside it, with random secrets).
DEV_TARGETS := run demo-db call remind purge-calls backoffice-daily bench-billing bench-nlu \
	bench-voice bench-reminders bench-backoffice bench-console purge-outcomes ops-rollup
$(DEV_TARGETS): export HC_DEVELOPMENT := 1

.PHONY: setup run test lint contracts format train rasa-lock rasa-env-check catalogs extract-messages demo-db bench-billing \
	bench-nlu bench-voice bench-reminders bench-backoffice backoffice-daily call remind purge-calls \
	purge-tracker audit clean

setup: $(VENV)/.installed $(RASA_VENV)/.installed node_modules/.installed catalogs

# Test-only JavaScript tools (Prism, which mocks Twilio's REST API from its OpenAPI spec).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PY311) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) -r requirements.txt 2> >(grep -v "^WARNING: Location" >&2)
	touch $@

RASA_SITE = $(RASA_VENV)/lib/python3.11/site-packages

# Code that runs inside the Rasa server (rasa_addons/): each module imported at start-up by a .pth.
RASA_ADDONS := hc_jsonschema_cache hc_import_hooks hc_slash_messages hc_event_types
# Input channels Rasa imports when it reads credentials.yml (copied, never imported at start-up).
RASA_CHANNELS := hc_signed_channel hc_channel_auth

# The Rasa env is exactly requirements-rasa.lock, built from scratch whenever the lock changes (so
# no package of an older lock or interpreter survives), then checked (scripts/rasa_lock.py check).
$(RASA_VENV)/.locked: requirements-rasa.lock scripts/rasa_lock.py
	@test -n "$(RASA_PY)" || { echo "Python 3.11 is needed for the Rasa server (pyenv install 3.11)"; exit 1; }
	rm -rf $(RASA_VENV)
	$(RASA_PY) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python scripts/rasa_lock.py install $(RASA_VENV)/bin/python \
		2> >(grep -v "^WARNING: Location" >&2)
	$(RASA_VENV)/bin/python scripts/rasa_lock.py check
	touch $@

$(RASA_VENV)/.installed: $(RASA_VENV)/.locked $(RASA_ADDONS:%=rasa_addons/%.py) $(RASA_CHANNELS:%=rasa_addons/%.py)
	for addon in $(RASA_ADDONS); do \
		cp rasa_addons/$$addon.py $(RASA_SITE)/$$addon.py; \
		echo "import $$addon" > $(RASA_SITE)/$$addon.pth; \
	done
	for channel in $(RASA_CHANNELS); do cp rasa_addons/$$channel.py $(RASA_SITE)/$$channel.py; done
	touch $@

catalogs: $(VENV)/.installed $(CATALOGS)

%.mo: %.po
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

# Re-extract English msgids from messages/texts and merge them into every language's catalog.
extract-messages: $(VENV)/.installed
	for domain in $$(ls messages/texts/*.py | xargs -n1 basename | sed 's/\.py$$//' | grep -v __init__); do \
		$(VENV)/bin/pybabel extract -k N_ --no-location -o /tmp/$$domain.pot messages/texts/$$domain.py; \
		if [ -f messages/locales/es/LC_MESSAGES/$$domain.po ]; then \
			$(VENV)/bin/pybabel update -D $$domain -i /tmp/$$domain.pot -d messages/locales -l es --no-fuzzy-matching; \
		else $(VENV)/bin/pybabel init -D $$domain -i /tmp/$$domain.pot -d messages/locales -l es; fi; \
	done

train: $(MODEL_STAMP)

# The stamp names the env that trained the model (tests/rasa/test_rasa_env.py compares it).
$(MODEL_STAMP): $(RASA_VENV)/.installed $(TRAINING_INPUTS)
	mkdir -p models
	$(RASA) train --domain domain.yml --data $(RASA_DATA) --config config.yml --out models \
		--fixed-model-name current --quiet
	$(RASA_VENV)/bin/python scripts/rasa_lock.py fingerprint > $@

# Re-resolve requirements-rasa.txt into requirements-rasa.lock (after changing a pin), then rebuild
# .venv-rasa from it and check it: pip check, with the one accepted conflict (matplotlib 3.6.3 over
# rasa's <3.6, explained in requirements-rasa.txt), and the env equals the lock.
rasa-lock:
	@test -n "$(RASA_PY)" || { echo "Python 3.11 is needed for the Rasa server (pyenv install 3.11)"; exit 1; }
	$(RASA_PY) scripts/rasa_lock.py lock
	$(MAKE) --no-print-directory rasa-env-check

# Fails loudly unless .venv-rasa runs Python 3.11 with exactly the lock (part of `make test`).
rasa-env-check: $(RASA_VENV)/.installed
	$(RASA_VENV)/bin/python scripts/rasa_lock.py check

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@$(MAKE) --no-print-directory contracts

# The architecture as a test (docs/architecture.md): layer contracts and no import cycles
# (pyproject.toml [tool.importlinter]; our contract types in scripts/import_contracts.py), and no
# code module over 300 lines ([tool.module_sizes]). A broken one fails `make lint`, so CI.
contracts: $(VENV)/.installed
	$(VENV)/bin/lint-imports --no-logo --no-cache
	$(PY) scripts/module_sizes.py

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo-db: setup
	$(PY) -m database migrate
	$(PY) -m billing_core demo

# Development mode: public development secrets (billing_core/secrets.py), every port on 127.0.0.1.
run: setup train demo-db
	@mkdir -p var && $(PY) -m billing_core.secrets > var/development.env
	@echo "Voice webhook: http://127.0.0.1:5000/voice/incoming  chat: http://127.0.0.1:5000/chat"
	$(VENV)/bin/honcho start -e var/development.env -f Procfile

test: setup train
	$(MAKE) --no-print-directory lint rasa-env-check
	$(PY) -m pytest

bench-billing: setup
	$(PY) scripts/bench_billing.py $(N)

# Offline call simulator: plays Twilio against the app in-process (ARGS="--script calls/x.txt").
call: demo-db
	$(PY) -m ivr.simulate $(ARGS)

# Due-date reminders and AutoPay notices by text (cron: hourly between 8 AM and 9 PM Eastern).
remind: setup
	$(PY) -m ivr.sms remind

# State of calls whose final status callback never came (cron: daily; ARGS="--older-than-hours 48").
purge-calls: setup
	$(PY) -m ivr.voice purge $(ARGS)

# Rasa's SQL tracker store: delete events past the retention period (cron: daily). Needs
# TRACKER_STORE_URL (production's tracker database; `make run` keeps conversations in memory).
purge-tracker: setup
	$(PY) -m ivr.rasa_retention purge $(ARGS)

# Outcome events past OUTCOME_RETENTION_DAYS (cron: daily; ARGS="--older-than-days 90").
purge-outcomes: setup
	$(PY) -m ivr.outcomes purge $(ARGS)

# The operations console's daily rollups of the last closed days (cron: after midnight Eastern).
ops-rollup: setup
	$(PY) -m ivr.ops rollup $(ARGS)

# Seeds 1 M conversations / 6 M turns on a scratch PostgreSQL database, times every console page.
bench-console: setup
	$(PY) scripts/bench_console.py $(ARGS)

bench-reminders: setup
	$(PY) scripts/bench_reminders.py --accounts $(or $(N),200000)

# Starts two gunicorn workers, one and then two Rasa servers, and drives 50 simulated callers.
bench-voice: setup train
	$(PY) scripts/bench_voice_multi.py $(ARGS)

bench-nlu: setup train
	$(PY) scripts/bench_nlu.py $(ARGS)

# Known vulnerabilities in both environments. Needs the PyPI JSON API / OSV service (--strict:
# without it pip-audit skips every package and still says "no known vulnerabilities").
audit: $(VENV)/.installed
	$(VENV)/bin/pip-audit --strict --progress-spinner off
	$(VENV)/bin/pip-audit --strict --progress-spinner off --path $(RASA_SITE)

bench-backoffice: setup
	$(PY) scripts/bench_backoffice.py --accounts $(or $(N),200000)

# The daily back-office jobs (drafts, NACHA file, delinquency) as cron would run them.
backoffice-daily: setup
	$(PY) -m billing_core.backoffice daily

clean:
	rm -rf $(VENV) $(RASA_VENV) models var test-results .pytest_cache
