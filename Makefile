# One entry point for people and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
WHEELS  := target/wheels
EXAMPLE := docs/examples/scalable.demeter.yaml
export CARGO_TERM_COLOR ?= never

.PHONY: help demo test lint rust-test py-test wheel-check generate bench fuzz clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

demo: $(VENV)/.wheel $(VENV)/.model ## Main job: build into .venv, run the example Demeter ensemble (8 scenarios) locally
	$(BIN)/scalable validate $(EXAMPLE)
	$(BIN)/python examples/models/demeter/scripts/generate_data.py demeter_data > /dev/null
	$(BIN)/scalable run $(EXAMPLE) --target local --workflow docs/examples/workflow_demeter.py -- --scenarios 8
	@echo "Outputs: $(CURDIR)/outputs/demeter  (summary table: outputs/demeter/_summary/scenarios.csv)"

test: lint rust-test py-test wheel-check ## Every test: lints, Rust tests, Python tests, the wheel in a fresh venv
	@echo "make test: all checks passed"

$(VENV)/.tools: requirements-dev.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The wheel is rebuilt whenever Rust or Python sources change.
SOURCES := $(shell find crates python -type f \( -name '*.rs' -o -name '*.py' -o -name '*.pyi' -o -name 'Cargo.toml' \) 2>/dev/null) Cargo.toml Cargo.lock pyproject.toml packaging/wheel-data/scripts/scalable
# The example model, installed (not editable: an editable install's .pth slows every Python start).
MODEL_SOURCES := $(shell find examples/models/demeter -name '*.py' -not -path '*/build/*' 2>/dev/null)
$(VENV)/.model: $(VENV)/.tools $(MODEL_SOURCES)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps ./examples/models/demeter
	touch $@

$(VENV)/.wheel: $(VENV)/.tools $(SOURCES)
	rm -f $(WHEELS)/scalable-*.whl
	$(BIN)/maturin build --release --quiet --out $(WHEELS)
	$(BIN)/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(WHEELS)/scalable-*.whl
	touch $@

lint: $(VENV)/.wheel ## cargo fmt, clippy, ruff, mypy, stubtest
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	$(BIN)/ruff check python tests bench examples docs/examples
	$(BIN)/ruff format --check python tests bench examples docs/examples
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest scalable._core --allowlist .mypy-stubtest-allowlist

rust-test: ## Rust unit, property, snapshot and CLI tests
	cargo test --workspace --quiet

py-test: $(VENV)/.wheel $(VENV)/.model ## Python tests against the installed wheel (and the example model)
	$(BIN)/pytest -q

wheel-check: $(VENV)/.wheel ## Install the built wheel into a fresh venv and run its command
	rm -rf target/wheel-venv
	python3 -m venv target/wheel-venv
	target/wheel-venv/bin/pip install --quiet --disable-pip-version-check --no-deps $(WHEELS)/scalable-*.whl
	target/wheel-venv/bin/scalable validate $(EXAMPLE) > /dev/null
	target/wheel-venv/bin/python -m scalable --version
	cd /tmp && $(CURDIR)/target/wheel-venv/bin/python -c "import scalable, scalable._core; print('wheel ok', scalable.__version__)"

generate: ## Regenerate checked-in files (JSON Schema)
	cargo run --quiet -p scalable-cli -- schema manifest > schemas/manifest.schema.json
	cargo run --quiet -p scalable-cli -- schema plan > schemas/plan.schema.json

bench: $(VENV)/.wheel ## Whole-command and in-process benchmarks (see docs/performance.md)
	bash bench/validate.sh
	bash bench/plan.sh
	bash bench/init_component.sh
	bash bench/diagnose.sh
	bash bench/migrate.sh
	bash bench/compose.sh
	cargo bench -p scalable-manifest --bench validate
	$(BIN)/python bench/cache.py
	cargo bench -p scalable-cache --bench hash
	cargo bench -p scalable-ai --bench onboard

fuzz: ## Fuzz the manifest parser+validator (FUZZ_SECONDS, default 60; FUZZ_TARGET=onboard_parsers for init-component's parsers, compose_description for compose's)
	bash fuzz/run.sh $${FUZZ_SECONDS:-60}

clean: ## Remove build outputs and the venv
	rm -rf target $(VENV) fuzz/target
