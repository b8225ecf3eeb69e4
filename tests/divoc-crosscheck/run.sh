#!/usr/bin/env bash
# DIVOC interop check, as CI runs it:
#   1. install DIVOC's npm stack (pinned in package-lock.json);
#   2. self-test the checker on certificates DIVOC's stack signed;
#   3. build issuer-api, start it on a temporary data directory and a free
#      port, issue issuer-api/examples/certify-request.json with the
#      bootstrap token, and verify every certificate from its QR PNG with
#      DIVOC's stack (crosscheck.js);
#   4. stop the server.
# Needs: node >= 18 (fetch), npm, cargo. Exits non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"

# --ignore-scripts: the stack's optional native module (sodium-native) is
# not needed to verify; Node's own Ed25519 does it.
npm ci --no-audit --no-fund --ignore-scripts --prefer-offline

node crosscheck.js --self-test "$root/tests/fixtures/divoc/stack-signed/ed25519-v2"

(cd "$root" && cargo build --quiet -p issuer-api --bin issuer-api)
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
bin="$target_dir/debug/issuer-api"

data=$(mktemp -d)
log="$data/server.log"
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap cleanup EXIT

# The log exists before the server starts: the background job opens its
# redirect asynchronously, and the loop below must not read a missing file.
: >"$log"
"$bin" --data-dir "$data" --listen 127.0.0.1:0 serve >"$log" 2>&1 &
pid=$!

# The server prints "listening on http://ADDR" once bound.
url=
for _ in $(seq 1 240); do
    url=$(sed -n 's/^listening on \(http:\/\/[^ ]*\)$/\1/p' "$log" | head -n 1)
    [ -n "$url" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "FAIL issuer-api exited before listening:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.5
done
if [ -z "$url" ]; then
    echo "FAIL issuer-api did not start listening within 120 s:" >&2
    cat "$log" >&2
    exit 1
fi
echo "issuer-api at $url (data in $data)"

if ! node crosscheck.js --url "$url" --token-file "$data/bootstrap-token"; then
    echo "--- issuer-api log" >&2
    tail -n 50 "$log" >&2
    exit 1
fi
