#!/usr/bin/env bash
# One sustained fuzzing run of one target, with smoke.sh's flags, on a
# scratch corpus seeded from corpus/<target> (the committed seeds are only
# read); prints one summary line for docs/fuzzing.md's table:
#   target  seconds  executions  exec/s  corpus-units  peak-rss-MB
#
# Usage: fuzz/sustained.sh <target> [seconds] [scratch-dir]   (default 600)
# Needs what smoke.sh needs; build first (smoke.sh, or the build line below).
set -euo pipefail

target="$1"
seconds="${2:-600}"
scratch="${3:-$(mktemp -d)}"
cd "$(dirname "$0")"

# max_len and dictionary as smoke.sh has them.
entry="$(sed -n "s/^  \"\($target [^\"]*\)\"$/\1/p" smoke.sh)"
[[ -n "$entry" ]] || { echo "unknown target $target (not in smoke.sh)" >&2; exit 2; }
read -r _ max_len dict <<<"$entry"
dict_flag=()
if [[ "$dict" != "-" ]]; then dict_flag=(-dict="$dict"); fi

mkdir -p "$scratch/corpus" "$scratch/tmp" "artifacts/$target"
log="$scratch/$target.log"
build_flags=(--release --debug-assertions --sanitizer "${FUZZ_SANITIZER:-none}")
status=0
flags=(-max_total_time="$seconds" -rss_limit_mb=512 -max_len="$max_len" -timeout=10
  ${dict_flag[@]+"${dict_flag[@]}"} -print_final_stats=1)
# FUZZ_BIN_DIR: run binaries built earlier (copied aside), so that runs
# queued one after another are not rebuilt by an edit in between.
if [[ -n "${FUZZ_BIN_DIR:-}" ]]; then
  run=("$FUZZ_BIN_DIR/$target" -artifact_prefix="artifacts/$target/" "${flags[@]}"
    "$scratch/corpus" "corpus/$target")
else
  run=(cargo +nightly fuzz run "${build_flags[@]}" "$target" "$scratch/corpus" "corpus/$target"
    -- "${flags[@]}")
fi
TMPDIR="$scratch/tmp" "${run[@]}" >"$log" 2>&1 || status=$?
stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
# The corpus libFuzzer held at the end (seeds and what it added).
corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
echo "$target $seconds $(stat number_of_executed_units) $(stat average_exec_per_sec) ${corpus:-?} $(stat peak_rss_mb)"
rm -rf "$scratch/tmp"
if [[ "$status" != 0 ]]; then
  echo "!! $target failed (status $status); log: $log; reproducer in fuzz/artifacts/$target/" >&2
  tail -40 "$log" >&2
fi
exit "$status"
