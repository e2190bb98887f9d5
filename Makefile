# symnet: two commands do everything on a fresh machine.
#   make run    set up .venv on first use, analyse the default scenario (Härjedalen) into out/harjedalen
#   make test   set up .venv and system packages on first use, run the whole test suite (no network)
#   make lint   ruff (lint + format check) and mypy; make test runs it first
#   make bench  timed benchmarks (slow; figures go to benchmarks/README.md)
#   make fuzz   the seeded input fuzzer, FUZZ_CASES cases (default 1000): prints cases, clean errors, accepted, crashes, hangs

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/harjedalen
OUT    ?= out/harjedalen

.PHONY: install run test lint bench fuzz system-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench,ch]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/symnet run $(SCENARIO) --out $(OUT) --force

system-deps:
	@bash tools/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check symnet tests benchmarks tools
	$(BIN)/ruff format --check symnet tests benchmarks tools
	$(BIN)/mypy

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest

FUZZ_CASES ?= 1000
fuzz: $(STAMP)
	FUZZ_CASES=$(FUZZ_CASES) PYTHONPATH=$(CURDIR) $(BIN)/python tests/fuzz_scenarios.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
