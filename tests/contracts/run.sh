#!/usr/bin/env bash
# Hold a running service to its OpenAPI document: schemathesis, every check,
# a fixed seed, a bounded number of cases per operation. Exits non-zero on
# any failure (and on any error schemathesis meets).
#
#   tests/contracts/run.sh NAME BASE_URL ADMIN_TOKEN [MAX_EXAMPLES]
#
# NAME labels the report (target/contracts/NAME/); BASE_URL is where the
# service answers (its document is BASE_URL/openapi.json); ADMIN_TOKEN an
# admin token of its own (the run creates and changes data). The system
# test tests/system/tests/contracts.rs starts both services and calls this
# for each; by hand, against `cargo xtask run`'s stack:
#
#   tests/contracts/run.sh registry http://127.0.0.1:8081 "$(jq -r .registry.admin_token .data/stack.json)"
#
# CONTRACTS_SEED changes the seed (default 1), CONTRACTS_REPORT_DIR where
# the NDJSON report goes, CONTRACTS_CONFIG the schemathesis.toml.
set -euo pipefail
name=$1 base=$2 token=$3 max_examples=${4:-40}
here=$(cd "$(dirname "$0")" && pwd)
report=$(realpath -m "${CONTRACTS_REPORT_DIR:-$here/../../target/contracts}/$name")
mkdir -p "$report"
config=$(realpath "${CONTRACTS_CONFIG:-$here/schemathesis.toml}")
# Hypothesis and schemathesis keep state in the working directory: the
# report's, not the repository.
cd "$report"
export SCHEMATHESIS_HOOKS="$here/hooks.py"
exec schemathesis --config-file "$config" run "$base/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --max-examples "$max_examples" \
  --seed "${CONTRACTS_SEED:-1}" \
  --generation-database none \
  --workers 1 \
  --no-color \
  --report ndjson --report-dir "$report"
