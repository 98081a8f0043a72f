#!/usr/bin/env bash
# The course as a learner installs it, with no checkout of this repository in sight: build the
# sdist and the wheel (the wheel from the sdist), `twine check` both, install the wheel into a
# fresh virtual environment outside the repository, run `mailflowlab course --no-browser DIR`
# there and execute one chapter from DIR with nbval. Part of `make test`.
#
#   usage: bash tests/packaging/check_wheel.sh [PYTHON_BIN_DIR]      (default: .venv/bin)
#
# PYTHON_BIN_DIR needs the `test` extra (build, twine). The fresh environment's packages come
# from the registry (pip's cache makes a second run quick).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${1:-$root/.venv/bin}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mailflowlab-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

"$bin/python" -m build -q --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; echo "check_wheel: build failed" >&2; exit 1; }
"$bin/python" -m twine check --strict "$work"/dist/*
wheel=$(ls "$work"/dist/mailflowlab-*.whl)
"$bin/python" -m zipfile -l "$wheel" | grep "mailflowlab/notebooks/00-welcome.ipynb" >/dev/null \
  || { echo "check_wheel: the wheel carries no chapters" >&2; exit 1; }

"$bin/python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel" \
  "nbval==0.11.0" "pytest>=8" "ipykernel>=6.29" 2>&1 | { grep -v 'is ignored' || true; }

cd "$work"          # outside the repository: only the installed wheel can answer
"$work/venv/bin/mailflowlab" --version
"$work/venv/bin/mailflowlab" course --no-browser course
cd course
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env 00-welcome.ipynb
echo "check_wheel: sdist and wheel built, checked, installed and a chapter run from it in $(( $(date +%s) - start )) s"
