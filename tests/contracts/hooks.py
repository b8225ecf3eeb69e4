"""Schemathesis hooks for the contract test (tests/contracts/run.sh).

`positive_data_acceptance` (ST202) fails when a request the schema allows
is refused. Some rules cannot be written in JSON Schema (a public key that
must parse, a JSON-LD context, unique rule ids, a URL that must answer);
each service lists them per operation: its 422 response carries
`x-semantic-errors`, the error codes such a refusal may have.
schemathesis.toml lets 422 through `positive_data_acceptance`, and this
check takes over: a schema-valid request answered 422 must carry one of
its operation's `x-semantic-errors` codes, or it fails. An operation
without the list may not refuse a schema-valid request with 422 at all.
"""

import json

import schemathesis


@schemathesis.check
def semantic_rejection_is_documented(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    # Coverage probes that swap the method are not requests of this operation.
    if case.method.upper() != case.operation.method.upper():
        return None
    raw = case.operation.definition.raw
    allowed = (raw.get("responses", {}).get("422") or {}).get("x-semantic-errors") or []
    try:
        body = json.loads(response.content)
        code = body["error"]["code"]
    except (ValueError, KeyError, TypeError):
        body, code = None, None
    # A batch answer (the issuer's certify) refuses each item with its own
    # code: every one of them must be allowed too.
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        for item in body["results"]:
            item_code = ((item or {}).get("error") or {}).get("code")
            if item_code is not None and item_code not in allowed:
                code = item_code
                break
    if code not in allowed:
        raise AssertionError(
            f"Schema-valid request refused with 422 `{code}`; this operation's "
            f"x-semantic-errors allow only {allowed or 'none'}: the schema is "
            f"looser than the server. Body: {response.content[:300]!r}"
        )
    return None
