# Klass: `make run` serves the demo school on http://127.0.0.1:5000, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test install demo-reset lint bench bench-schools load clean help-screenshots

run: install
	$(BIN)/klass db upgrade
	$(BIN)/klass demo --if-empty
	$(BIN)/klass run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n auto -p no:cacheprovider $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo-reset: install
	rm -f instance/klass.sqlite3*
	$(BIN)/klass demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: install
	@status=0; for b in journal mark_save roll_call reports diary print_archive; do echo "== bench/$$b.py"; \
		$(BIN)/python bench/$$b.py || status=1; done; \
	for b in journal mark_save roll_call; do echo "== bench/$$b.py on PostgreSQL"; \
		BENCH_DB=postgresql $(BIN)/python bench/$$b.py || status=1; done; exit $$status

# 1, 2 and 8 full-size schools in one PostgreSQL database (the first build takes ~20 min, then cached;
# afterwards ~5 min): kept out of `make bench` for that first build.
bench-schools: install
	$(BIN)/python bench/schools.py

load: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) instance build *.egg-info

help-screenshots: install
	$(BIN)/python scripts/help_screenshots.py
