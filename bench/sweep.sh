#!/usr/bin/env bash
# bench/sweep.sh — full-catalog sweep of one platform, then the coverage table
# and the largest failure groups.
#
# Usage:
#   bench/sweep.sh [PLATFORM]              # default cpu
#
# Environment (all optional):
#   DB=sweep-cpu.duckdb      results database (default sweep-<platform>.duckdb)
#   WORKERS=2                parallel worker processes (hwcov run --workers)
#   SHARD=i/n                run only this shard of the sweep (hwcov run --shard);
#                            merge shard databases with hwcov merge
#   NICE=5                   nice level of the run (shared machines)
#   EXCLUDE="a b"            architectures left out, space-separated
#                            (default: inkling_mm_model — its shrunk build still
#                            needs ~17 GB RAM, past a 2-core/24 GB machine)
#   FROM_DB=sweep-cpu.duckdb run only the architectures that pass on cpu in this
#                            database (the reference set for openvino, onnxruntime,
#                            webgpu, webnn)
#   CATEGORIES="vision audio" only these catalog categories
#   TOP=15                   failure groups printed
#
# Examples:
#   nice bench/sweep.sh cpu > sweep-cpu.log 2>&1 &
#   FROM_DB=sweep-cpu.duckdb bench/sweep.sh openvino
#   FROM_DB=sweep-cpu.duckdb CATEGORIES="text-encoder vision audio" bench/sweep.sh webgpu
#
# The sweep is a benchmark, not part of make test. It prints the wall time, the
# coverage per category (hwcov report coverage) and the top failure groups
# (hwcov report failures --by-pattern); figures go to BENCHMARKS.md and
# docs/coverage.md (bench/coverage-doc.sh writes the failure list there).
set -euo pipefail

cd "$(dirname "$0")/.."
PLATFORM=${1:-cpu}
DB=${DB:-sweep-${PLATFORM}.duckdb}
WORKERS=${WORKERS:-2}
NICE=${NICE:-5}
EXCLUDE=${EXCLUDE-inkling_mm_model}
TOP=${TOP:-15}

export HWCOV_PYTHON=${HWCOV_PYTHON:-$PWD/.venv/bin/python}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

go build -o bin/hwcov ./cmd/hwcov
HWCOV=bin/hwcov

models=$(mktemp "${TMPDIR:-/tmp}/hwcov-sweep-models.XXXXXX")
trap 'rm -f "$models"' EXIT

# Every architecture of the catalog (or of CATEGORIES), minus EXCLUDE.
"$HWCOV" catalog list --format csv | tail -n +2 | while IFS=, read -r arch category _; do
	if [ -n "${CATEGORIES:-}" ] && [[ " $CATEGORIES " != *" $category "* ]]; then continue; fi
	if [[ " $EXCLUDE " == *" $arch "* ]]; then continue; fi
	echo "$arch"
done >"$models"

# Only what passes on the reference platform, when FROM_DB is given.
if [ -n "${FROM_DB:-}" ]; then
	passing=$(mktemp "${TMPDIR:-/tmp}/hwcov-sweep-pass.XXXXXX")
	"$HWCOV" report export --db "$FROM_DB" --format csv --out "$passing.csv" >/dev/null
	# the newest cpu result of each architecture (the export is ordered by start time)
	"$HWCOV_PYTHON" -c '
import csv, sys
newest = {}
for row in csv.DictReader(open(sys.argv[1], newline="")):
    if row["hardware"] == "cpu":
        newest[row["architecture"]] = row["status"]
print("\n".join(sorted(a for a, s in newest.items() if s == "pass")))' "$passing.csv" >"$passing"
	rm -f "$passing.csv"
	grep -Fxf "$passing" "$models" >"$models.tmp" || true
	mv "$models.tmp" "$models"
	rm -f "$passing"
fi

echo "sweep: $(wc -l <"$models") architectures on $PLATFORM, $WORKERS workers, db $DB${SHARD:+, shard $SHARD}"
[ -n "$EXCLUDE" ] && echo "sweep: excluded: $EXCLUDE"

start=$(date +%s)
nice -n "$NICE" "$HWCOV" run --models-file "$models" --hardware "$PLATFORM" \
	--workers "$WORKERS" --db "$DB" ${SHARD:+--shard "$SHARD"} || echo "sweep: hwcov run exited $?"
end=$(date +%s)
echo "sweep: wall time $(( (end - start) / 60 ))m$(( (end - start) % 60 ))s"

echo
echo "== coverage ($PLATFORM)"
"$HWCOV" report coverage --db "$DB" --hardware "$PLATFORM"
echo
echo "== top $TOP failure groups ($PLATFORM)"
"$HWCOV" report failures --db "$DB" --by-pattern | head -n $((TOP * 2 + 6))
