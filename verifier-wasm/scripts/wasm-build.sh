#!/usr/bin/env bash
# Builds verifier-wasm for wasm32 with the `wasm` profile, runs wasm-bindgen
# (nodejs target) and, if available, wasm-opt -Oz; prints the sizes.
#
#   verifier-wasm/scripts/qr-wasm-build.sh [out dir]     (default /tmp/qr-wasm-pkg)
#
# Needs: wasm-bindgen-cli at the version in Cargo.lock
#   (cargo install wasm-bindgen-cli --version 0.2.130 --no-default-features)
# and optionally wasm-opt from npm's binaryen (Debian's is broken):
#   (cd /tmp/binaryen && npm install binaryen@132); export WASM_OPT=/tmp/binaryen/node_modules/.bin/wasm-opt
set -euo pipefail
out=${1:-/tmp/qr-wasm-pkg}
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cargo build --manifest-path "$root/Cargo.toml" -p verifier-wasm --target wasm32-unknown-unknown --profile wasm
wasm-bindgen --target nodejs --out-dir "$out" "$target/wasm32-unknown-unknown/wasm/verifier_wasm.wasm"
wasm=$out/verifier_wasm_bg.wasm
echo "after wasm-bindgen: $(stat -c %s "$wasm") bytes, gzip -9 $(gzip -9c "$wasm" | wc -c) bytes"
if [ -n "${WASM_OPT:-}" ]; then
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals -o "$wasm.opt" "$wasm"
  mv "$wasm.opt" "$wasm"
  echo "after wasm-opt -Oz: $(stat -c %s "$wasm") bytes, gzip -9 $(gzip -9c "$wasm" | wc -c) bytes"
fi
