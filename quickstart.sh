#!/bin/sh
# quickstart.sh - set dawnsim up on Debian 12 or Ubuntu 24.04 and run it.
#
#   ./quickstart.sh          install what is missing, build, run the main job
#   ./quickstart.sh check    install what is missing, build, run the tests
#   ./quickstart.sh figures  also the figure packages (Python, matplotlib,
#                            pandas, nbconvert); rebuild the papers' figures
#                            under figures/ (make figures, docs/reproduction.md)
#
# Needs root or sudo only when Debian packages are missing. Safe to run
# again: each step is skipped when its result is already up to date.
set -eu

mode=${1:-run}
case $mode in
  run|check|figures) ;;
  -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "quickstart.sh: unknown mode '$mode' (expected nothing, 'check' or 'figures')" >&2; exit 2 ;;
esac
cd "$(dirname "$0")"

# Build tools and the libraries configure requires (DESIGN.md),
# Fashion-MNIST for the executor (exec/dataset.c), and Open MPI for its
# MPI transport (exec/mpi.h; optional to configure, tested when present).
# CUDA is optional and not installed here.
packages="build-essential autoconf automake libtool pkg-config
  libglib2.0-dev libjson-glib-dev libigraph-dev libgsl-dev libhwloc-dev
  libopenblas-dev dataset-fashion-mnist libopenmpi-dev openmpi-bin"
# The notebooks under notebooks/ (make figures) need Python with these;
# only the figures mode installs them.
if [ "$mode" = figures ]; then
  packages="$packages python3-matplotlib python3-pandas jupyter-nbconvert
  python3-nbformat python3-ipykernel"
fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "quickstart: installing Debian packages:$missing"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo=sudo
  else echo "quickstart: need root or sudo to install:$missing" >&2; exit 1; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ m4/ds-checks.m4 -nt configure ]; then
  echo "quickstart: autoreconf"
  autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
  echo "quickstart: configure"
  # autoconf's probes 'rm -f core' to clean up after crashed test programs,
  # which complains about our core/ folder; the complaint is harmless.
  ./configure -q 2>&1 | grep -v "cannot remove 'core'" || true
  [ -f config.status ] || { echo "quickstart: configure failed (see config.log)" >&2; exit 1; }
fi
jobs=$(nproc 2>/dev/null || echo 2)
echo "quickstart: make -j$jobs"
make -s -j"$jobs"

if [ "$mode" = figures ]; then
  # FIGURES_FLAGS=--fast: fewer seeds and models (what CI runs)
  echo "quickstart: make figures"
  make -s -j"$jobs" figures FIGURES_FLAGS="${FIGURES_FLAGS:-}"
  exit 0
fi

if [ "$mode" = check ]; then
  echo "quickstart: make check"
  make -s -j"$jobs" check
  exit 0
fi

# The main job: plan VGG-16 on PipeDream's cluster A (4 servers of 4 V100,
# 10 Gb/s between servers) with 16 GPUs, against data parallelism and a
# straight pipeline; write the plan for the simulator and the original's
# runtime.
mkdir -p out
./cli/dawnsim plan vgg16 --cluster A --gpus 16 -o out/vgg16-plan.json \
  --export pipedream out/pipedream | tee out/vgg16-plan.txt
./cli/dawnsim plan vgg16 --cluster A --gpus 16 --format json > out/vgg16-plan-summary.json
echo
echo "quickstart: wrote out/vgg16-plan.txt (the table above), out/vgg16-plan.json"
echo "            (the plan), out/vgg16-plan-summary.json (for programs) and"
echo "            out/pipedream/ (gpus=16.txt and hybrid_conf.json for PipeDream's runtime)"
echo "quickstart: try ./cli/dawnsim --help, ./cli/dawnsim models, ./cli/dawnsim hw list"
