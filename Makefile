# Fangkong: `make demo` to try it, `make test` before every push. GNU make; needs python3.11.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Reinstall only when the pins or the project metadata change.
STAMP := $(VENV)/.installed
PG_SERVER ?= postgres://postgres@127.0.0.1:5432
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n auto

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_STAMP := /tmp/.fangkong-apt-updated
# Debian packages a target needs are installed on first use (apt-get update at most once).
define apt_install
{ command -v apt-get >/dev/null || { echo "Please install $(1) with your package manager." >&2; exit 1; }; \
  [ -f $(APT_STAMP) ] || { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && touch $(APT_STAMP); }; \
  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1); }
endef

.PHONY: help venv demo serve migrate test test-pg e2e lint audit bench bench-quick messages clean-venv

help:
	@echo "make demo         install, migrate, load the demo district (once), serve on http://$(HOST):$(PORT)"
	@echo "make test         whole test suite on SQLite"
	@echo "make test-pg      whole test suite on PostgreSQL ($(PG_SERVER), throwaway database)"
	@echo "make e2e          browser flows in Debian's Chromium (Playwright), screenshots in var/e2e/"
	@echo "make lint         ruff check, ruff format --check, mypy, import-linter contracts"
	@echo "make audit        known vulnerabilities in the locked dependencies (pip-audit)"
	@echo "make bench        page timings vs bare SQL on the large demo (PostgreSQL)"
	@echo "make bench-quick  the same on the small demo, a few minutes"
	@echo "make messages     extract and compile the zh_Hans translations"

venv: $(STAMP)

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Debian: apt-get install python3.11)." >&2; exit 1; }
	@if [ ! -x $(PY) ]; then \
	  $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	    rm -rf $(VENV); echo "Installing python3.11-venv (ensurepip)…"; \
	    $(call apt_install,python3.11-venv) && $(PYTHON) -m venv $(VENV); }; \
	fi
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

clean-venv:
	rm -rf $(VENV)

# whitenoise warns at startup when STATIC_ROOT is missing, even though it serves through the finders.
var/staticfiles:
	@mkdir -p $@

migrate: venv | var/staticfiles
	$(PY) manage.py migrate --noinput -v 0

# whitenoise serves static files through the finders, so runserver works with DEBUG off.
demo: migrate
	$(PY) manage.py demo_district --size small --if-empty --base-url http://$(HOST):$(PORT)
	@echo "Serving on http://$(HOST):$(PORT) — Ctrl+C stops."
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: migrate
	$(PY) manage.py runserver $(HOST):$(PORT)

# pytest exits 5 when no test ran; make treats every non-zero exit as a failure.
test: venv | var/staticfiles
	$(PY) -m pytest -q $(PYTEST_ARGS)

# A database name unique to this run ($$$$ is the shell's PID); pytest-django creates test_<name>
# (test_<name>_gwN per xdist worker) and drops it afterwards, so runs never collide.
test-pg: venv | var/staticfiles
	DATABASE_URL=$(PG_SERVER)/fangkong_ci_$$$$ $(PY) -m pytest -q $(PYTEST_ARGS)

# Browser flows (e2e/): Playwright drives Debian's Chromium (never a downloaded browser) against a
# test server holding the tiny demo district; every step is screenshotted into var/e2e/.
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
e2e: venv | var/staticfiles
	@[ -x $(CHROMIUM) ] || $(call apt_install,chromium)
	@[ -f $(CJK_FONT) ] || $(call apt_install,fonts-wqy-microhei)
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -p no:xdist e2e

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy fangkong bench
	$(BIN)/lint-imports --no-logo  # layer contracts: pyproject.toml [tool.importlinter]

# Fails on a known vulnerability; says so plainly when the vulnerability service cannot be reached.
audit: venv
	$(PY) .ci/audit_dependencies.py

bench: venv | var/staticfiles
	BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-$(PG_SERVER)/fangkong_bench} $(PY) -m bench.run --strict

bench-quick: venv | var/staticfiles
	BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-$(PG_SERVER)/fangkong_bench_quick} $(PY) -m bench.run --quick

messages: venv
	@command -v msgfmt >/dev/null || $(call apt_install,gettext)
	@mkdir -p locale
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=e2e --ignore=bench
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv
