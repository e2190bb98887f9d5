# symnet: two commands do everything on a fresh machine.
#   make run    set up .venv on first use, analyse the default scenario (Härjedalen) into out/harjedalen
#   make test   set up .venv and system packages on first use, run the whole test suite (no network)
#   make bench  timed benchmarks (slow; figures go to benchmarks/README.md)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/harjedalen
OUT    ?= out/harjedalen

.PHONY: install run test bench system-deps clean

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

test: $(STAMP) system-deps
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache
