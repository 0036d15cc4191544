#!/usr/bin/env bash
# Benchmark: N tiny-model tests on this CPU through hwcov's long-lived worker
# versus one `python test_x.py` process per test, side by side in one run.
# Prints the ratio and the worker's orchestration overhead
# (shard wall time / sum of in-test time). Figures go to BENCHMARKS.md.
#
#   bench/worker_vs_process.sh [models-file]   (default bench/models-50.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
models=${1:-bench/models-50.txt}
py=${HWCOV_PYTHON:-$PWD/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HWCOV_CACHE_DIR="$work/cache"

now() { python3 -c 'import time; print(time.time())'; }
calc() { python3 -c "print(round($1, 2))"; }

make -s build
bin/hwcov generate --models-file "$models" --hardware cpu --out "$work/tests" -q >/dev/null
n=$(ls "$work"/tests/test_*.py | wc -l)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), python $($py -c 'import sys;print(sys.version.split()[0])')"
echo "tests: $n (from $models)"

# 1. hwcov run: one worker process imports torch once.
start=$(now)
bin/hwcov run --tests "$work/tests" --hardware cpu --db "$work/w.duckdb" --python "$py" >"$work/run.out" 2>"$work/run.err"
worker_s=$(calc "$(now) - $start")
cat "$work/run.out"

# 2. one `python test_x.py` process per test (each imports torch again).
start=$(now)
fails=0
for f in "$work"/tests/test_*.py; do
  (cd "$work/tests" && "$py" "$(basename "$f")" >/dev/null 2>&1) || fails=$((fails + 1))
done
proc_s=$(calc "$(now) - $start")

overhead=$(sed -n 's/.*overhead \([0-9.]*\)x.*/\1/p' "$work/run.out")
printf 'worker:           %6.1f s for %d tests\n' "$worker_s" "$n"
printf 'process-per-test: %6.1f s (%d exited non-zero)\n' "$proc_s" "$fails"
printf 'speed-up:         %6.1fx\n' "$(calc "$proc_s / $worker_s")"
printf 'overhead:         %sx (shard wall / sum of in-test time)\n' "$overhead"
