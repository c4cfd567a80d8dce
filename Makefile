# 一网通办 portal. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Debian packages: WeasyPrint (pango, harfbuzz subset, CJK fonts), psycopg2 build, PDF/browser tests.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk libpq-dev gcc \
	poppler-utils chromium redis-server

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

system-deps: ## Install the Debian packages (as root), or print the apt line to run
	@if [ "$$(id -u)" = "0" ]; then \
		missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
		if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	else \
		for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || { echo "Run: sudo apt-get install -y $(APT_PACKAGES)"; break; }; done; \
	fi

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: system-deps $(VENV)/.installed ## Create .venv and install everything

run: install ## Start the whole portal with demo data (web, Celery worker and beat)
	bash scripts/run.sh

test: install ## Run the whole test suite (PostgreSQL and Redis when they listen locally)
	bash scripts/test.sh

# SCALE=10k|100k|1m (bench_<scale>, seeded once and reused); BENCH_ARGS="--seconds 120 --clients 6 --reseed". BENCH_DB=<name>: seed and run in a database of its own (several sessions on one machine).
SCALE ?= 10k
bench: install ## Seed bench_$(SCALE), drive a production-like server, print the table (not part of `make test`)
	PORTAL_REDIS_DB=$${PORTAL_REDIS_DB:-7} nice -n 10 $(PY) -m bench.run --scale $(SCALE) $(BENCH_ARGS)

bench-micro: install ## The in-process figures of tests/perf (catalog search, import, supervision)
	bash scripts/test.sh --bench

lint: install ## ruff check and format check
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Production-like settings: fresh random keys, the HTTP adapters with example addresses and credentials.
# Left to their demo defaults, the real-name check, payment and SMS fail the check (portal/checks.py).
DEPLOY_CHECK_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	DJANGO_ALLOWED_HOSTS=zwfw.example.gov.cn \
	ID_NUMBER_HASH_KEY=$$(head -c 48 /dev/urandom | base64) \
	FIELD_ENCRYPTION_KEY=$$(head -c 32 /dev/urandom | base64 | tr "+/" "-_") \
	REAL_NAME_VERIFIER=portal.realname.HttpRealNameVerifier \
	REAL_NAME_VERIFIER_URL=https://rnv.example.gov.cn/v1/verify REAL_NAME_VERIFIER_APP_ID=zwfw-portal \
	REAL_NAME_VERIFIER_SECRET=$$(head -c 32 /dev/urandom | base64) \
	PAYMENT_PROVIDER=applications.payments.HttpPaymentProvider \
	PAYMENT_PROVIDER_URL=https://pay.example.gov.cn/v1/orders PAYMENT_PROVIDER_APP_ID=zwfw-portal \
	PAYMENT_PROVIDER_SECRET=$$(head -c 32 /dev/urandom | base64) \
	SMS_BACKEND=portal.sms.HttpSmsBackend \
	SMS_GATEWAY_URL=https://sms.example.gov.cn/v1/messages SMS_GATEWAY_APP_ID=zwfw-portal \
	SMS_GATEWAY_SECRET=$$(head -c 32 /dev/urandom | base64) \
	ORGANIZATION_REGISTRY=portal.registry.HttpOrganizationRegistry \
	ORGANIZATION_REGISTRY_URL=https://registry.example.gov.cn/v1/lookup ORGANIZATION_REGISTRY_APP_ID=zwfw-portal \
	ORGANIZATION_REGISTRY_SECRET=$$(head -c 32 /dev/urandom | base64) \
	PORTAL_LICENCE_REGISTRY=applications.licences.registry.HttpLicenceRegistry \
	PORTAL_LICENCE_REGISTRY_URL=https://licences.example.gov.cn/v1 PORTAL_LICENCE_REGISTRY_APP_ID=zwfw-portal \
	PORTAL_LICENCE_REGISTRY_SECRET=$$(head -c 32 /dev/urandom | base64)

deploy-check: install ## manage.py check --deploy with production settings (real services, strong keys)
	$(DEPLOY_CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING

.PHONY: help system-deps install run test bench bench-micro lint deploy-check
