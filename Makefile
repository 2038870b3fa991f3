# Two entry points (see README): `make run` and `make test`. Each one creates or
# refreshes the local virtualenv .venv by itself, so a fresh clone needs only
# Python 3.11, make and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test plots docs bench bench-tcp tshark browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dask]'
	$(BIN)/python -m compileall -q simulator
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/netsim run scenarios/lan_ping.yaml --out out/lan_ping

# compileall: the bytecode of every module written once, as pip writes it for a regular
# install (the editable install leaves it to the first import, which an environment with
# PYTHONDONTWRITEBYTECODE never does: then every netsim process compiles ~170 modules)
test: $(STAMP) tshark browser
	$(BIN)/python -m compileall -q simulator
	$(BIN)/python -m pytest

plots: $(STAMP)
	$(BIN)/python -m simulator.viz.gallery scenarios plots

# docs/yaml.md's key tables, regenerated from the models (tests/scenario/test_reference.py
# fails while they differ)
docs: $(STAMP)
	$(BIN)/python -m simulator.scenario.reference

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/chain.py
	$(BIN)/python benchmarks/user_path.py
	$(BIN)/python benchmarks/routing.py
	$(BIN)/python benchmarks/startup.py
	$(MAKE) bench-tcp

# benchmarks/tcp.py beside ns-3 3.44 (PyPI `ns3`, ~150 s to install), in a venv of its
# own: ns-3 and ns.py both install a top-level `ns` package.
NS3_VENV := .venv-ns3
bench-tcp:
	test -x $(NS3_VENV)/bin/python || $(PYTHON) -m venv $(NS3_VENV)
	$(NS3_VENV)/bin/pip install -q -e '.[ns3]'
	$(NS3_VENV)/bin/python benchmarks/tcp.py

# The real-dissector tests need Debian's tshark. Install it when we can (root with
# apt, as in CI); otherwise those tests skip with a one-line reason.
tshark:
	@command -v tshark >/dev/null 2>&1 || sh .ci/install-tshark || echo "tshark not installed: the tshark tests will skip"

# The viewer's headless-browser tests drive Debian's chromium (never a downloaded one).
browser:
	@command -v chromium >/dev/null 2>&1 || sh .ci/install-browser || echo "chromium not installed: the browser tests will skip"

clean:
	rm -rf $(VENV) $(NS3_VENV) out .pytest_cache
