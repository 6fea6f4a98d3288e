#!/bin/sh
# tools/fuzz.sh - run one fuzz target under libFuzzer (clang), for a while.
#
#   tools/fuzz.sh TARGET [SECONDS]      e.g. tools/fuzz.sh graphtxt 300
#
# Compiles the readers' folders (DIRS below) straight from source with
# clang, ASan and UBSan, links tests/fuzz/fuzz-TARGET.c with
# -fsanitize=fuzzer into _build-fuzz/, and fuzzes from a copy of the saved
# corpus (new inputs land in _build-fuzz/corpus-TARGET, not in the tree).
# Independent of ./configure, so it works beside an in-tree build. A crash
# leaves crash-* files in _build-fuzz/: once fixed, add the input to
# tests/fuzz/corpus/TARGET/ as a regression case.
set -eu
target=${1:?usage: tools/fuzz.sh TARGET [SECONDS]}
seconds=${2:-120}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/_build-fuzz
DIRS="core traces hwmodels sim exec exec/wir"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"

mkdir -p "$build"
# hwmodels/presets.c finds its data through these (hwmodels/local.mk).
printf '#define DS_PRESETS_SRCDIR "%s/hwmodels/presets"\n#define DS_PRESETS_PKGDIR "%s/hwmodels/presets"\n' \
  "$top" "$top" > "$build/config.h"
# exec/blas.c opens OpenBLAS by this path (m4/ds-checks.m4), through GModule.
printf '#define DS_OPENBLAS_PATH "%s/libopenblas.so.0"\n' \
  "$(pkg-config --variable=libdir openblas | sed 's,/*$,,')" >> "$build/config.h"
# exec/mpi.c looks for the MPI module here; the module itself (mpi-module.c)
# needs MPI's headers and is no reader: left out.
printf '#define DS_PKGLIBDIR "%s"\n#define DS_BUILD_MPI_MODULE "%s/exec/.libs/dawnsim-mpi.so"\n' \
  "$build" "$build" >> "$build/config.h"
srcs=""
for d in $DIRS; do srcs="$srcs $(ls "$top/$d"/*.c 2>/dev/null | grep -v mpi-module.c || true)"; done
clang -std=gnu11 $san -fsanitize=fuzzer -I"$build" -I"$top" \
  $(pkg-config --cflags glib-2.0 json-glib-1.0 igraph gsl hwloc openblas gmodule-no-export-2.0) \
  "$top/tests/fuzz/fuzz-$target.c" $srcs \
  $(pkg-config --libs glib-2.0 json-glib-1.0 igraph gsl hwloc gmodule-no-export-2.0) -lm \
  -o "$build/fuzz-$target"
mkdir -p "$build/corpus-$target"
cp -n "$top/tests/fuzz/corpus/$target/"* "$build/corpus-$target/" 2>/dev/null || true
cd "$build"
# A g_return_if_fail that fires is a bug the input found: make it a crash.
export G_DEBUG=fatal-criticals
exec ./fuzz-"$target" -max_total_time="$seconds" -print_final_stats=1 "corpus-$target"
