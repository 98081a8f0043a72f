# Mail Flow Lab: the two commands a newcomer needs.
#   make course   set up, then open the course in JupyterLab
#   make test     set up, then run every check (lint, types, unit, sockets, notebooks both
#                 ways, book, browser, the wheel installed in a fresh environment)
# Setup installs Debian packages when they are missing (as root, or with sudo) and a
# virtual environment in .venv with the package and its extras.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages, each named by a command it provides (installed only when that is missing).
DEBS   := dot:graphviz swaks:swaks telnet:telnet curl:curl chromium:chromium npm:npm
STAMP  := $(VENV)/.installed

.PHONY: setup system-packages course test book bench clean

setup: system-packages $(STAMP)

system-packages:
	@missing=""; for pair in $(DEBS); do command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	perl -MNet::SSLeay -e1 >/dev/null 2>&1 || missing="$$missing libnet-ssleay-perl"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[course,test,book,lite]"
	# An editable install skips the package's data files: the kernels' IPython config by hand.
	mkdir -p $(VENV)/etc/ipython && cp etc/ipython/ipython_config.json $(VENV)/etc/ipython/
	$(BIN)/jupyter labextension disable "@jupyterlab/apputils-extension:announcements" >/dev/null 2>&1 || true
	touch $(STAMP)

# Jupyter refuses to run as root unless told to (containers and CI machines often are root).
course: setup
	$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/00-welcome.ipynb

# The book is built first so its build time is printed; the browser checks then read it.
# Then lint and types (the library's and the tests'), every test with the lab over sockets, and the chapters
# again with the lab in memory (as in a browser): their checked outputs must be identical.
# Last, the course as pip installs it: sdist and wheel, installed with no checkout in sight.
test: setup
	bash book/build.sh $(BIN)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	MFL_BOOK_BUILT=1 $(BIN)/pytest
	MFL_TRANSPORT=memory $(BIN)/pytest notebooks
	bash tests/packaging/check_wheel.sh $(BIN)

book: setup
	bash book/build.sh $(BIN)

# The classroom at full size: 200 learners x 20 messages with a relay attempt after each, and
# 10,000 hostile sessions (CI runs it at 20 x 5 and 300 as tests/test_classroom_load.py).
bench: setup
	$(BIN)/python bench/internal_flow.py
	$(BIN)/python bench/classroom.py --clients 200 --messages 20 --fuzz 10000 --deadline 900

clean:
	rm -rf $(VENV) book/_build
