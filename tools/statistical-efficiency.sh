#!/bin/sh
# tools/statistical-efficiency.sh - epochs to a target accuracy, one stage
# against a 2-stage 1F1B pipeline (PipeDream's weight stashing), over
# seeds and SGD settings: the check behind docs/exec.md's table.
#
#   tools/statistical-efficiency.sh [SEEDS] [LR:MOMENTUM ...]
#   e.g. tools/statistical-efficiency.sh 5 0.05:0.9 0.1:0
#
# Fashion-MNIST, mlp, minibatch 128, target 85%, test accuracy every 47
# minibatches (a tenth of an epoch, from weight snapshots, exec
# --eval-every). Prints a Markdown row per setting: the median epochs to
# the target of each, their ratio, and every run. Slow (minutes a row):
# a measurement, not a test.
set -eu
seeds=${1:-5}
[ $# -gt 0 ] && shift
settings=${*:-0.05:0.9 0.02:0.9 0.01:0.9 0.2:0 0.1:0}
dawnsim=$(cd "$(dirname "$0")/.." && pwd)/cli/dawnsim

epochs_to_target () {
  "$dawnsim" exec mlp "$@" --epochs 10 --target 0.85 --eval-every 47 --format json \
    | sed -n 's/.*"epochs_to_target": \([0-9.]*\).*/\1/p'
}

median () { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
  if (NR == 0) print "none"; else if (NR % 2) printf "%.2f", v[(NR + 1) / 2];
  else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| lr | momentum | 1 stage | 2-stage 1F1B | ratio | runs (1 stage; 1F1B) |"
echo "| --- | --- | --- | --- | --- | --- |"
for s in $settings; do
  lr=${s%%:*} mom=${s##*:} one="" pipe=""
  for seed in $(seq 1 "$seeds"); do
    one="$one $(epochs_to_target --lr "$lr" --momentum "$mom" --seed "$seed")"
    pipe="$pipe $(epochs_to_target --stages 2 --schedule 1f1b --lr "$lr" --momentum "$mom" --seed "$seed")"
  done
  m1=$(echo "$one" | median) m2=$(echo "$pipe" | median)
  ratio=$(awk -v a="$m1" -v b="$m2" 'BEGIN { if (a + 0 > 0) printf "%.2f", b / a; else print "n/a" }')
  runs1=$(for v in $one; do printf "%.1f " "$v"; done)
  runs2=$(for v in $pipe; do printf "%.1f " "$v"; done)
  echo "| $lr | $mom | $m1 | $m2 | $ratio | ${runs1% }; ${runs2% } |"
done
