#!/usr/bin/env bash
# Benchmark: a full scan of the real corpus next to tree-sitter parsing alone.
# Usage: bench/run.sh [CORPUS_DIR]   (default target/corpus; fetched with ../shared/corpus/fetch.sh)
# Prints files, lines, seconds and peak memory for each language part and each mode.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-target/corpus}
fetch=${FETCH:-../shared/corpus/fetch.sh}
if [ ! -d "$corpus/python" ]; then
  "$fetch" "$corpus"
fi
cargo build --release --quiet
bin=target/release/agent-audit

measure() { # label, command...
  local label=$1; shift
  local timing
  timing=$(mktemp)
  /usr/bin/time -o "$timing" -f "%e s, peak %M KiB" "$@" >/dev/null 2>&1
  printf '%-28s %s\n' "$label" "$(tail -1 "$timing")"
  rm -f "$timing"
}

for lang in python js; do
  dir="$corpus/$lang"
  echo "== $lang: $dir"
  "$bin" parse-only "$dir"
  # Warm the page cache, then measure each mode twice and keep both lines.
  "$bin" scan --no-write --format yaml -o /dev/null "$dir" 2>/dev/null
  for run in 1 2; do
    measure "parse only (run $run)" "$bin" parse-only "$dir"
    measure "full scan (run $run)" "$bin" scan --no-write --format yaml -o /dev/null "$dir"
  done
  for threads in 1 2; do
    measure "full scan, $threads thread(s)" env RAYON_NUM_THREADS=$threads "$bin" scan --no-write --format yaml -o /dev/null "$dir"
    measure "parse only, $threads thread(s)" env RAYON_NUM_THREADS=$threads "$bin" parse-only "$dir"
  done
  tools=$("$bin" scan --no-write --format json -o - "$dir" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["tools"])')
  echo "tools found: $tools"
done
