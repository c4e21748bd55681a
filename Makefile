# The two set-up commands of the README:
#   make run    installs the bot into .venv and runs it (in the terminal when no token is set)
#   make test   installs the test needs (Python packages, a PostgreSQL server) and runs the suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test bench score score-fresh clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) bot.py $(ARGS)

test: $(VENV)/.installed
	bash scripts/test.sh

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_search.py

score: $(VENV)/.installed
	$(PY) ../shared/eval/score.py --cmd "$(VENV)/bin/tutor ask --json -"

score-fresh: $(VENV)/.installed
	$(PY) ../shared/eval/score.py benchmarks/questions_fresh.yaml --cmd "$(VENV)/bin/tutor ask --json -"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
