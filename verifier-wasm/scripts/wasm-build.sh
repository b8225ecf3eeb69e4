#!/usr/bin/env bash
# Builds the verifier for the browser: cargo (the `wasm` profile), then
# wasm-bindgen, then wasm-opt -Oz from npm's binaryen (Debian's binaryen 108
# emits modules that break at run time); prints the size at each step.
#
#   verifier-wasm/scripts/wasm-build.sh [web|nodejs] [out dir]
#       defaults: web, /tmp/verifier-wasm-pkg-<target>
#
# Needs wasm-bindgen-cli at the version in Cargo.lock
#   (cargo install wasm-bindgen-cli --version 0.2.130 --no-default-features)
# and wasm-opt: $WASM_OPT, or npm's binaryen installed under
#   ~/.cache/binaryen (cd ~/.cache/binaryen && npm install binaryen@132).
# Without wasm-opt the module is left as wasm-bindgen wrote it (and says so).
set -euo pipefail
target=${1:-web}
out=${2:-/tmp/verifier-wasm-pkg-$target}
root=$(cd "$(dirname "$0")/../.." && pwd)
cargo_target=${CARGO_TARGET_DIR:-$root/target}
wasm_opt=${WASM_OPT:-$HOME/.cache/binaryen/node_modules/.bin/wasm-opt}

cargo rustc --manifest-path "$root/Cargo.toml" -p verifier-wasm --lib \
  --target wasm32-unknown-unknown --profile wasm --crate-type cdylib
wasm-bindgen --target "$target" --out-dir "$out" \
  "$cargo_target/wasm32-unknown-unknown/wasm/verifier_wasm.wasm"
wasm=$out/verifier_wasm_bg.wasm
size() { echo "$(stat -c %s "$1") bytes, gzip -9 $(gzip -9c "$1" | wc -c) bytes"; }
echo "after wasm-bindgen: $(size "$wasm")"
if [ -x "$wasm_opt" ]; then
  "$wasm_opt" -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals -o "$wasm.opt" "$wasm"
  mv "$wasm.opt" "$wasm"
  echo "after wasm-opt -Oz: $(size "$wasm")"
else
  echo "wasm-opt not found at $wasm_opt: module not optimised" >&2
fi
echo "JS glue: $(size "$out/verifier_wasm.js")"
