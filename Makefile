# The two commands a newcomer needs: `make demo` and `make test`.
# Every target sets up what is missing first; a second run skips what is done.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov

# On machines that ship the AWS provider as a filesystem mirror (no registry
# access), scripts/tfsetup.py writes a project-local CLI config naming it.
# Elsewhere it prints nothing and Terraform keeps its normal behaviour.
TF_CLI_CONFIG := $(shell $(PYTHON) scripts/tfsetup.py)
ifneq ($(TF_CLI_CONFIG),)
export TF_CLI_CONFIG_FILE := $(TF_CLI_CONFIG)
endif
export CHECKPOINT_DISABLE := 1
export TF_IN_AUTOMATION := 1

.PHONY: help setup test demo local bench build clean

help:
	@echo "make demo   - set up, run the whole pipeline locally (moto), show it working, clean up"
	@echo "make test   - set up, then run every check (ruff, fmt, build --check, validate, checkov, pytest)"
	@echo "make local  - the local stack left running until Ctrl-C (CONFIG=dir: your own root)"
	@echo "make bench  - benchmarks against naive baselines (not part of make test)"
	@echo "make build  - rebuild the Lambda packages under packages/"

setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: requirements-dev.txt constraints-dev.txt
	@echo "==> creating $(VENV) from requirements-dev.txt"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@set -o pipefail; $(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
	@touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt constraints-checkov.txt
	@echo "==> creating $(CHECKOV_VENV) from requirements-checkov.txt"
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@set -o pipefail; $(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
	@touch $@

test: setup
	@$(PY) scripts/check.py

demo: setup
	@$(PY) scripts/demo.py

# CONFIG=path/to/root applies your own root (with examples/local's local settings) instead.
local: setup
	@$(PY) scripts/demo.py --keep-running $(if $(CONFIG),--config "$(CONFIG)")

bench: setup
	@$(PY) bench/run.py

build:
	@$(PYTHON) scripts/build.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .terraform-cli.tfrc .pytest_cache .ruff_cache
	find . -name .terraform -type d -prune -exec rm -rf {} +
	find . -name .terraform.lock.hcl -delete
