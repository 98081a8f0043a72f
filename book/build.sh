#!/usr/bin/env bash
# Build the Mail Flow Lab book (Jupyter Book 1.0.4.post1) into book/_build/html.
#
#   usage: bash book/build.sh [PYTHON_BIN_DIR]      (default: .venv/bin)
#
# PYTHON_BIN_DIR is the bin/ folder of a Python environment that has `pip install -e .[book]`
# (jupyter-book, ipykernel and mailflowlab) and `.[lite]` (JupyterLite, step 5).
# Chapters execute with that environment's Python.
# Needs: Graphviz `dot` on PATH; npm only the first time (to vendor the widget JS, Pyodide, viz.js).
# Works offline apart from that npm step (and PyPI when setting up the environment).
set -euo pipefail

start=$(date +%s.%N)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
book="$root/book"
bin="${1:-.venv/bin}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
if [ ! -x "$bin/jupyter-book" ]; then
  echo "build.sh: $bin/jupyter-book not found; run: $bin/pip install -e '.[book]'" >&2
  exit 2
fi
# Chapters run with the kernel of this environment ("python3" resolves to its python).
export PATH="$bin:$PATH"

# 1. Widget JS, vendored from npm so widget snapshots render with no CDN.
#    Kept out of _static on purpose (JB1 would load every .js there on every page).
vendor="$book/_vendor/widgets"
fonts="$book/_vendor/extra/@jupyter-widgets"
if [ -s "$vendor/embed-amd.js" ] && [ -s "$vendor/require.js" ] && [ -d "$fonts" ]; then
  echo "widget JS: already in book/_vendor/widgets"
else
  command -v npm >/dev/null || { echo "build.sh: npm is needed once to fetch the widget JS" >&2; exit 2; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent @jupyter-widgets/html-manager@1.0.15 requirejs@2.3.7 >/dev/null)
  mkdir -p "$vendor"
  tar xzf "$tmp/jupyter-widgets-html-manager-1.0.15.tgz" -O package/dist/embed-amd.js > "$vendor/embed-amd.js.part"
  tar xzf "$tmp/requirejs-2.3.7.tgz" -O package/require.js > "$vendor/require.js.part"
  # Widget icons: embed-amd.js loads its Font Awesome files from @jupyter-widgets/ and from
  # @jupyter-widgets/html-manager/dist/ beside the page, so they go to both, for the landing
  # page and for the chapters in notebooks/.
  for dest in "$fonts" "$fonts/html-manager/dist" "$book/_vendor/extra/notebooks/@jupyter-widgets" \
              "$book/_vendor/extra/notebooks/@jupyter-widgets/html-manager/dist"; do
    mkdir -p "$dest"
    tar xzf "$tmp/jupyter-widgets-html-manager-1.0.15.tgz" -C "$dest" --strip-components=2 \
      --wildcards 'package/dist/*.woff2' 'package/dist/*.woff' 'package/dist/*.ttf' 'package/dist/*.eot'
  done
  mv "$vendor/embed-amd.js.part" "$vendor/embed-amd.js"
  mv "$vendor/require.js.part" "$vendor/require.js"
  echo "widget JS: vendored @jupyter-widgets/html-manager@1.0.15 and requirejs@2.3.7"
fi

# 2. The landing page's diagram, rendered from DOT by the real Graphviz (never committed).
command -v dot >/dev/null || { echo "build.sh: Graphviz 'dot' is needed (apt-get install graphviz)" >&2; exit 2; }
for src in "$book"/images/*.dot; do
  dot -Tsvg "$src" -o "${src%.dot}.svg"
done
echo "diagrams: rendered $(ls "$book"/images/*.dot | wc -l) DOT file(s) with $(dot -V 2>&1)"

# 3. Chapters: Jupyter Book 1 only reads files inside the book root, so copy notebooks/
#    (the notebooks and any files next to them) to book/notebooks/ (gitignored). Copies, not
#    symlinks: each chapter then executes with book/notebooks/ as cwd, a mirror of its own
#    folder. The same folder name keeps the launch buttons pointing at notebooks/X.ipynb.
#    _toc.yml globs notebooks/*, so the chapter list is the notebooks present, in name order.
rm -rf "$book/notebooks"
mkdir -p "$book/notebooks"
if compgen -G "$root/notebooks/*.ipynb" >/dev/null; then
  cp -R "$root/notebooks/." "$book/notebooks/"
  find "$book/notebooks" -name .ipynb_checkpoints -prune -exec rm -rf {} +
fi
n=$(find "$book/notebooks" -maxdepth 1 -name '*.ipynb' | wc -l)
echo "chapters: $n notebook(s) from notebooks/"

# 4. Build. -W: any warning (a failing cell included) fails the build; --keep-going reports all.
status=0
"$bin/jupyter-book" build "$book" -W --keep-going || status=$?

# 5. The in-browser lab (JupyterLite) into book/_build/html/lite/, which the chapters' "Run live
#    in your browser" buttons open. Its own script: it times itself and prints the site's size.
bash "$book/build_lite.sh" "$bin" || status=$?

end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v rc="$status" 'BEGIN { printf "book built in %.1f s (exit %d)\n", e - s, rc }'
exit "$status"
