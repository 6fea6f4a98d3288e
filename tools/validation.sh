#!/bin/sh
# tools/validation.sh - run a CPU pipeline for real and ask `dawnsim
# validate` how well it was predicted: docs/validation.md's entry 1.
#
#   tools/validation.sh TRANSPORT STAGES SCHEDULE [MICROBATCHES] [RUNS]
#   e.g. tools/validation.sh threads 4 1f1b
#        tools/validation.sh mpi 2 gpipe 4 3
#
# mlp-wide on the synthetic task, minibatch 256, 20 minibatches, each run
# followed at once by its validation (which measures this machine's layer
# times, copy rate and hand-off, then simulates the same programs). A line
# per run: measured and predicted time per minibatch and the error. Needs
# a quiet machine: other load inflates the run and the measurement unevenly.
set -eu
transport=${1:?usage: tools/validation.sh threads|mpi STAGES SCHEDULE [M] [RUNS]}
stages=${2:?stages}
schedule=${3:?schedule}
m=${4:-1}
runs=${5:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
dawnsim=$top/cli/dawnsim
trace=$(mktemp /tmp/dawnsim-validation.XXXXXX)
trap 'rm -f "$trace"' EXIT

run () {
  set -- mlp-wide --stages "$stages" --schedule "$schedule" -m "$m" --data synthetic \
    --max-steps 20 --minibatch 256 --measured "$trace"
  case $transport in
    threads) "$dawnsim" exec "$@" >/dev/null ;;
    mpi)
      # one rank per stage; Open MPI refuses root without these
      OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
      DAWNSIM_MPI_MODULE=${DAWNSIM_MPI_MODULE:-$top/exec/.libs/dawnsim-mpi.so} \
        mpirun --oversubscribe --bind-to none -np "$stages" "$dawnsim" exec "$@" >/dev/null ;;
    *) echo "tools/validation.sh: transport is threads or mpi, not '$transport'" >&2; exit 2 ;;
  esac
}

for i in $(seq 1 "$runs"); do
  run
  "$dawnsim" validate mlp-wide --stages "$stages" --measured "$trace" --format json \
    | awk -v t="$transport" -v p="$stages" -v s="$schedule" -v m="$m" '
        /measured_iteration_s/ { gsub(/[",]/, ""); meas = $2 }
        /predicted_iteration_s/ { gsub(/[",]/, ""); pred = $2 }
        /"iteration_error"/ { gsub(/[",]/, ""); err = $2 }
        END { printf "%s %s stages %s m=%s: measured %.1f ms, predicted %.1f ms, error %+.1f%%\n",
                     t, p, s, m, 1000 * meas, 1000 * pred, 100 * err }'
done
