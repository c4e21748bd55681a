# The two set-up commands of the README:
#   make run    installs the bot into .venv and runs it (in the terminal when no token is set)
#   make test   installs the test needs (Python packages, a PostgreSQL server) and runs the suite
# The first run prints one "installing…" line; pip's own output goes to .venv/pip.log and is
# shown only when it fails.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_LOG := $(VENV)/pip.log
RUN_INSTALLED := $(VENV)/.run-installed
TEST_INSTALLED := $(VENV)/.installed

.PHONY: run test bench score score-fresh score-all framings check ask clean

# $(1): what to install (pip's argument), $(2): what to call it in the one line printed.
define pip_install
	@echo "installing $(2) into $(VENV)… (first run only)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@{ $(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip \
	  && $(PY) -m pip install --quiet --disable-pip-version-check --editable '$(1)'; } \
	  > $(PIP_LOG) 2>&1 \
	  || { cat $(PIP_LOG); echo "make: installing $(2) failed; the log above is in $(PIP_LOG)" >&2; exit 1; }
endef

# What running needs: the bot and its dependencies only.
$(RUN_INSTALLED): pyproject.toml
	$(call pip_install,.,the bot)
	@touch $@

# What the tests need on top: pytest, ruff, aiohttp for the Bot API emulator.
$(TEST_INSTALLED): $(RUN_INSTALLED)
	$(call pip_install,.[test],the test tools)
	@touch $@

run: $(RUN_INSTALLED)
	@$(PY) bot.py $(ARGS)

test: $(TEST_INSTALLED)
	@bash scripts/test.sh

bench: $(RUN_INSTALLED)
	$(PY) benchmarks/bench_search.py

score: $(RUN_INSTALLED)
	$(PY) ../shared/eval/score.py --cmd "$(VENV)/bin/tutor ask --json -"

# Every deck's tune and held-out questions, one deck and all decks loaded, with the
# pre-issue-9 matcher as baseline in the same run (benchmarks/score_all.py).
score-all: $(RUN_INSTALLED)
	$(PY) benchmarks/score_all.py $(ARGS)

# Whether the way a student wraps a question ("sir, …", "… pls test tmrw") changes its
# answer: blind framings around a sample of each deck's questions (benchmarks/framings.py).
framings: $(RUN_INSTALLED)
	$(PY) benchmarks/framings.py $(ARGS)

score-fresh: $(RUN_INSTALLED)
	$(PY) ../shared/eval/score.py benchmarks/questions_fresh.yaml --cmd "$(VENV)/bin/tutor ask --json -"

# Shortcuts for the `tutor` command without activating the venv, e.g.
#   make check            validate the decks in content/
#   make ask Q="why did trotsky miss lenins funeral"
check: $(RUN_INSTALLED)
	@$(VENV)/bin/tutor check $(ARGS)

ask: $(RUN_INSTALLED)
	@$(VENV)/bin/tutor ask "$(Q)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
