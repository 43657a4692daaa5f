#!/usr/bin/env bash
# Training-step time of every architecture, graphrun beside PyTorch, in one run on this
# machine (2 threads each, batch 100, float32), alternating the two so that both see the
# same load. Prints a Markdown table with the ratio graphrun / PyTorch.
#
#   tools/bench_vs_torch.sh [ROUNDS]      (default 3 rounds; the median is reported)
#
# Needs build/graphrun, /usr/bin/python3 with torch (apt-get install python3-torch
# libopenblas0-openmp) and ../shared/bench/torch_step.py.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
torch_step="${TORCH_STEP:-../shared/bench/torch_step.py}"
[[ -x build/graphrun ]] || { echo "bench_vs_torch: build/graphrun is missing: run tools/setup.sh" >&2; exit 1; }
[[ -f "$torch_step" ]] || { echo "bench_vs_torch: $torch_step is missing" >&2; exit 1; }
/usr/bin/python3 -c "import torch" 2>/dev/null || {
  echo "bench_vs_torch: PyTorch is missing: apt-get install python3-torch libopenblas0-openmp" >&2; exit 1; }

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| model | f | nf | nh | graphrun fp32 step (ms) | PyTorch step (ms) | graphrun / PyTorch |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for spec in "arch1 2 3 50" "arch2 4 10 50" "arch3 8 40 50" "arch4 16 160 50" "arch5 4 40 300"; do
  read -r model f nf nh <<<"$spec"
  ours=(); theirs=()
  for ((r = 0; r < rounds; ++r)); do
    ours+=("$(OMP_NUM_THREADS=2 build/graphrun time "models/$model.pbtxt" --steps 200 --json |
              sed -n 's/.*"step_ms": \([0-9.]*\).*/\1/p')")
    theirs+=("$(/usr/bin/python3 "$torch_step" "$f" "$nf" "$nh" 300 2 | sed -n 's/.*: \([0-9.]*\) ms\/step.*/\1/p')")
  done
  o=$(printf '%s\n' "${ours[@]}" | median)
  t=$(printf '%s\n' "${theirs[@]}" | median)
  echo "| $model | $f | $nf | $nh | $o | $t | $(awk -v a="$o" -v b="$t" 'BEGIN {printf "%.2f", a / b}') |"
done
