#!/usr/bin/env bash
# Build the JupyterLite lab of the course into book/_build/html/lite/ (the book's "Run live in
# your browser" buttons open it). Called by book/build.sh after the book; also runs on its own:
#
#   usage: bash book/build_lite.sh [PYTHON_BIN_DIR]      (default: .venv/bin)
#
# PYTHON_BIN_DIR needs `pip install -e .[lite]` (jupyterlite-core and jupyterlite-pyodide-kernel,
# pinned together in pyproject.toml). Everything the site needs is served by the site itself:
# the Pyodide core (npm), the kernel's pure wheels (PyPI) under a re-hashed pyodide-lock.json,
# the mailflowlab wheel and its pure dependencies (piplite index pypi/), Graphviz compiled to
# WebAssembly (npm @viz-js/viz, for diagrams without `dot`), and every notebook in notebooks/.
# Downloads are cached in book/_lite_cache/ (gitignored), so a rebuild is offline.
# (Not book/_vendor/: Sphinx copies that whole folder into the book's _static.)
set -euo pipefail

start=$(date +%s.%N)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
book="$root/book"
bin="${1:-.venv/bin}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
if [ ! -x "$bin/jupyter-lite" ]; then
  echo "build_lite.sh: $bin/jupyter-lite not found; run: $bin/pip install -e '.[lite]'" >&2
  exit 2
fi

# Pinned together: jupyterlite-pyodide-kernel 0.8.6 runs Pyodide 314.0.6 (Python 3.14), whose
# lock file names these exact wheel versions for the kernel's own boot (micropip, IPython, ...).
PYODIDE=314.0.6
VIZ=3.31.0
KERNEL_WHEELS="micropip==0.11.1 packaging==26.1 ipython==9.12.0 traitlets==5.14.3 pygments==2.20.0
  decorator==5.2.1 six==1.17.0 prompt_toolkit==3.0.52 wcwidth==0.6.0 asttokens==3.0.1
  executing==2.2.1 pure_eval==0.2.3 stack_data==0.6.3 matplotlib_inline==0.2.1 jedi==0.19.2
  parso==0.8.6 typing_extensions==4.15.0"
# mailflowlab's run-time dependencies that exist as pure wheels (comm is also what the kernel
# itself installs at boot). No pandas and no cryptography: neither exists offline for Pyodide.
LAB_WHEELS="aiosmtpd==1.4.6 atpublic==9.0.0 attrs==26.1.0 graphviz==0.21 ipywidgets==8.1.9
  comm==0.2.3 jupyterlab_widgets==3.0.17"
PIP_DL=(download -q --no-deps --python-version 3.14 --only-binary=:all: --platform any)

cache="$book/_lite_cache"
stamp="$cache/.complete-$(echo "$PYODIDE $VIZ $KERNEL_WHEELS $LAB_WHEELS" | sha1sum | cut -c1-12)"
if [ -e "$stamp" ]; then
  echo "lite: downloads already in book/_lite_cache"
else
  command -v npm >/dev/null || { echo "build_lite.sh: npm is needed once (Pyodide, viz.js)" >&2; exit 2; }
  rm -rf "$cache"; mkdir -p "$cache/npm" "$cache/kernel-wheels" "$cache/lab-wheels"
  (cd "$cache/npm" && npm pack --silent "pyodide@$PYODIDE" "@viz-js/viz@$VIZ" >/dev/null)
  # shellcheck disable=SC2086
  "$bin/pip" "${PIP_DL[@]}" -d "$cache/kernel-wheels" $KERNEL_WHEELS 2>&1 | { grep -v 'is ignored' || true; }
  # shellcheck disable=SC2086
  "$bin/pip" "${PIP_DL[@]}" -d "$cache/lab-wheels" $LAB_WHEELS 2>&1 | { grep -v 'is ignored' || true; }
  [ "$(ls "$cache"/*-wheels | grep -c whl)" -ge 24 ] || { echo "build_lite.sh: wheel download failed" >&2; exit 1; }
  touch "$stamp"
  echo "lite: downloaded Pyodide $PYODIDE, @viz-js/viz $VIZ and $(ls "$cache"/*-wheels | grep -c whl) wheels"
fi

# The Lite project folder, assembled fresh each time (cheap: copies of cached files).
src="$book/_build/lite-src"
out="$book/_build/html/lite"
rm -rf "$src" "$out"
mkdir -p "$src/static/pyodide" "$src/pypi" "$src/files"
tar xzf "$cache/npm/pyodide-$PYODIDE.tgz" -C "$src/static/pyodide" --strip-components=1 \
  package/pyodide.mjs package/pyodide.asm.mjs package/pyodide.asm.wasm package/python_stdlib.zip \
  package/pyodide.js package/pyodide-lock.json
cp "$cache"/kernel-wheels/*.whl "$src/static/pyodide/"
cp "$cache"/lab-wheels/*.whl "$src/pypi/"
# Our own wheel, from this checkout: with the environment's setuptools when it has one (offline,
# fast), else in pip's isolated build environment (venvs of Python 3.12+ come without setuptools).
isolation=--no-build-isolation
"$bin/python" -c "import setuptools" 2>/dev/null || isolation=""
"$bin/pip" wheel -q --no-deps $isolation -w "$src/pypi" "$root" 2>&1 \
  | { grep -Ev 'is ignored|BuildBackendWarning|warnings.warn|^$' || true; }
rm -rf "$root/build"   # setuptools' scratch folder
ls "$src"/pypi/mailflowlab-*.whl >/dev/null
"$bin/python" "$book/lite_lock.py" "$src/static/pyodide/pyodide-lock.json" "$src/static/pyodide" \
  "$src/pypi" "$src/static/pyodide/pyodide-lock.json"

# The very notebooks JupyterLab opens (and any files beside them), in a notebooks/ folder as in
# the repository: the book's buttons open lite/notebooks/index.html?path=notebooks/X.ipynb, and the
# kernel's working folder is notebooks/, as in JupyterLab.
mkdir -p "$src/files/notebooks"
cp -R "$root/notebooks/." "$src/files/notebooks/"
find "$src/files" -name .ipynb_checkpoints -prune -exec rm -rf {} +

# The kernel loads mailflowlab as Pyodide starts, before IPython: Pyodide installs the wheel's
# data file etc/ipython/ipython_config.json, which the kernel's IPython then reads, as in
# JupyterLab; so a cell run before a chapter's setup cell says which cell to run first.
cat > "$src/jupyter-lite.json" <<'EOF'
{
  "jupyter-lite-schema-version": 0,
  "jupyter-config-data": {
    "appName": "Mail Flow Lab",
    "disabledExtensions": ["@jupyterlab/apputils-extension:announcements"],
    "litePluginSettings": {
      "@jupyterlite/pyodide-kernel-extension:kernel": {
        "disablePyPIFallback": true,
        "loadPyodideOptions": {"packages": ["mailflowlab"]}
      }
    }
  }
}
EOF

(cd "$src" && "$bin/jupyter" lite build --lite-dir "$src" --contents "$src/files" \
   --output-dir "$out" --apps lab --apps notebooks --no-sourcemaps --no-unused-shared-packages 2>&1 | grep -Ei 'error|warn' | grep -v libarchive || true)
[ -s "$out/jupyter-lite.json" ] || { echo "build_lite.sh: jupyter lite build produced no site" >&2; exit 1; }

# The site's icon at the root of the folder that holds lite/ (the book's html/): a Lite page
# names no icon until its JavaScript runs, so the browser first asks for /favicon.ico there.
cp "$book/_root/favicon.ico" "$out/../favicon.ico"

# Graphviz compiled to WebAssembly, for mailflowlab.browser (loaded by the kernel's worker).
mkdir -p "$out/static/mailflowlab"
tar xzf "$cache/npm/viz-js-viz-$VIZ.tgz" -O package/dist/viz-global.js > "$out/static/mailflowlab/viz-global.js"

end=$(date +%s.%N)
size=$(du -sm "$out" | cut -f1)
n=$(find "$src/files/notebooks" -maxdepth 1 -name '*.ipynb' | wc -l)
awk -v s="$start" -v e="$end" -v mb="$size" -v n="$n" \
  'BEGIN { printf "lite site built in %.1f s: %d MB, %d notebook(s), book/_build/html/lite/\n", e - s, mb, n }'
