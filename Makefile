# surfacecheck developer tasks. `make test` works on a fresh Debian machine as root:
# it installs what is missing, then runs lint and the whole test suite.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := nmap xinetd iproute2 util-linux procps nftables iptables

.PHONY: test deps system-deps python-deps lint pytest bench clean

test: deps lint pytest

deps: system-deps python-deps

# nmap, xinetd, nft and iptables-legacy are real components of the test suite (../shared/DESIGN.md section 8): in CI a
# missing one is a failure, not a skip, so install them when absent.
system-deps:
	@missing=""; \
	for tool in nmap xinetd ss setpriv nft iptables-legacy-save ip; do command -v $$tool >/dev/null 2>&1 || [ -x /usr/sbin/$$tool ] || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages (missing:$$missing)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	fi

python-deps:
	$(PIP) install -q --disable-pip-version-check -e '.[test]'

lint:
	$(PYTHON) -m ruff check checker tests benchmarks
	$(PYTHON) -m mypy

pytest:
	$(PYTHON) -m pytest -q -p no:cacheprovider tests

# Benchmarks measure a regular (not editable) install in its own virtual environment: an
# editable install's import finder slows every interpreter start, `python -c pass` included.
BENCH_VENV ?= build/bench-venv

bench: system-deps
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --disable-pip-version-check '.[bench]'
	$(BENCH_VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
