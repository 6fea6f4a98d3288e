#!/bin/sh
# notebooks/run.sh - execute the figure notebooks headless, write figures/.
#
#   notebooks/run.sh [--fast] [NOTEBOOK.ipynb ...]
#
# Runs each notebook (all of notebooks/*.ipynb when none is named) with
# nbconvert, which writes the executed notebook as HTML under figures/;
# the notebooks write their PNGs there too. Fails, naming the notebook, as
# soon as one fails. --fast sets DS_FIGURES_FAST=1 (fewer seeds and runs;
# what CI uses). `make figures` and `./quickstart.sh figures` call this
# with DAWNSIM, DS_BENCH_DIR and DS_SHARED_DATA set; run by hand from a
# built tree it finds cli/dawnsim and ../shared/data itself.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ "${1:-}" = --fast ]; then DS_FIGURES_FAST=1; export DS_FIGURES_FAST; shift; fi
: "${DS_FIGURES:=$PWD/figures}"
: "${DAWNSIM:=$top/cli/dawnsim}"
case $DS_FIGURES in /*) ;; *) DS_FIGURES=$PWD/$DS_FIGURES ;; esac
case $DAWNSIM in /*) ;; *) DAWNSIM=$PWD/$DAWNSIM ;; esac
export DS_FIGURES DAWNSIM
# the notebooks import dawnsim_nb from their own folder, whatever the cwd
PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
# ipykernel 6 under Python 3.11 warns about its debugger on every start
PYDEVD_DISABLE_FILE_VALIDATION=1
export PYDEVD_DISABLE_FILE_VALIDATION

command -v jupyter >/dev/null 2>&1 || {
  echo "notebooks/run.sh: jupyter not found; install the figure packages with" \
       "./quickstart.sh figures (python3-matplotlib python3-pandas" \
       "jupyter-nbconvert python3-nbformat python3-ipykernel)" >&2
  exit 1
}
[ -x "$DAWNSIM" ] || { echo "notebooks/run.sh: no dawnsim at $DAWNSIM (build first)" >&2; exit 1; }

[ $# -gt 0 ] || set -- "$here"/[0-9]*.ipynb
mkdir -p "$DS_FIGURES"
for nb in "$@"; do
  name=$(basename "$nb" .ipynb)
  start=$(date +%s)
  echo "figures: $name"
  # the kernel runs in the notebook's folder (nbconvert's default), so
  # relative paths in a notebook are relative to notebooks/
  if ! jupyter nbconvert --to html --execute --log-level=WARN \
       --ExecutePreprocessor.timeout=900 --ExecutePreprocessor.kernel_name=python3 \
       --output-dir "$DS_FIGURES" --output "$name" "$nb"; then
    echo "figures: $name FAILED (the HTML, if written, shows the failing cell)" >&2
    exit 1
  fi
  echo "figures: $name done in $(( $(date +%s) - start )) s"
done
echo "figures: PNG and HTML in $DS_FIGURES"
