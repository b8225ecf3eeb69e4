#!/usr/bin/env bash
# Build every fuzz target and run each for a few seconds; any crash, leak,
# timeout or out-of-memory fails the script (CI calls it).
#
# Usage: fuzz/smoke.sh [seconds-per-target]   (default 20)
# Needs: the nightly toolchain and cargo-fuzz. Respects CARGO_TARGET_DIR.
set -euo pipefail

seconds="${1:-20}"
cd "$(dirname "$0")"

# Each target: name, longest input, dictionary (- for none). Payloads: a QR
# holds at most 2953 bytes, B64/latin-1 forms grow that to under 6 KB. JSON
# targets: the certificates are about 2 KB; the list seeds 2 to 6 KB.
# Images and frames: the QR cascade costs per pixel, so inputs stay small
# (the seeds are DIVOC QR codes at one or two pixels per module; a 20 KB
# frame is at most about 140x140 pixels). Service bodies: the example
# certify batch is 4 KB (three items); a programme 2 KB; the rest are
# small objects.
targets=(
  "payload_decode 8192 dict/payload.dict"
  "jsonld_canonicalize 4096 dict/jsonld.dict"
  "proof_verify 4096 dict/jsonld.dict"
  "graph_rewrite 4096 dict/jsonld.dict"
  "trust_list 8192 dict/lists.dict"
  "revocation_list 8192 dict/lists.dict"
  "rules_list 8192 dict/lists.dict"
  "image_payload 16384 dict/image.dict"
  "frame_payload 20000 -"
  "issuer_certify 16384 dict/services.dict"
  "issuer_programme 8192 dict/services.dict"
  "issuer_citizen 1024 dict/services.dict"
  "registry_ingest 4096 dict/services.dict"
  "registry_rules 8192 dict/services.dict"
  "registry_admin 4096 dict/services.dict"
)

# Same flags for build and run, so `run` does not rebuild. No sanitizer by
# default: the code under test forbids `unsafe`, and without ASan a target
# runs about 15 times more inputs in the same seconds (10,800/s against
# 700/s for payload_decode on a loaded 2-core machine). Panics, overflow
# checks, debug assertions, timeouts and the RSS limit still fail the run.
# FUZZ_SANITIZER=address brings ASan back (to check dependencies' unsafe).
build_flags=(--release --debug-assertions --sanitizer "${FUZZ_SANITIZER:-none}")

cargo +nightly fuzz build "${build_flags[@]}"

# New inputs go to a scratch dir; the committed corpus stays seeds only.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# The service targets open their databases under $TMPDIR (never removed by
# the target: libFuzzer exits without destructors); here, in the scratch dir.
export TMPDIR="$scratch/tmp"
mkdir -p "$TMPDIR"

status=0
for entry in "${targets[@]}"; do
  read -r target max_len dict <<<"$entry"
  mkdir -p "$scratch/$target" "artifacts/$target"
  echo "== $target: ${seconds}s"
  dict_flag=()
  if [[ "$dict" != "-" ]]; then dict_flag=(-dict="$dict"); fi
  if ! cargo +nightly fuzz run "${build_flags[@]}" "$target" "$scratch/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=512 -max_len="$max_len" -timeout=10 \
      ${dict_flag[@]+"${dict_flag[@]}"} -print_final_stats=1; then
    echo "!! $target failed; reproducer in fuzz/artifacts/$target/" >&2
    status=1
  fi
done
exit "$status"
