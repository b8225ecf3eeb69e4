#!/usr/bin/env python3
"""Write the seed corpus of the service targets (issuer_*, registry_*):
valid request bodies from the services' examples and tests, and a few
near misses. Deterministic: run it again and git shows no change.

The registry_ingest seeds with a signature are signed with the key the
target registers (seed 0x11 * 32, fuzz_targets/service/registry.rs):
`cryptography` (pip) signs them.

Usage: python3 fuzz/make_service_seeds.py
"""
import base64
import json
import pathlib
import tomllib

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
MOH_DID = "did:web:moh.test"
MOH_KID = "did:web:moh.test#key-1"


def write(target, name, data):
    out = FUZZ / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (out / f"seed-{name}").write_bytes(data)


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def jcs(value):
    # The events' members are strings and small integers: sorted keys and
    # no spaces are RFC 8785 for them.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---------------------------------------------------------------- issuer
batch = json.loads((ROOT / "issuer-api" / "examples" / "certify-request.json").read_text())
write("issuer_certify", "example-batch.json", json.dumps(batch, ensure_ascii=False, indent=2))
write("issuer_certify", "one-item.json", dumps(batch[:1]))
second = json.loads(dumps(batch[0]))
second["vaccination"]["dose"] = 2
second["vaccination"]["date"] = "2027-01-29T06:24:47.000Z"
write("issuer_certify", "second-dose.json", dumps([second]))
bad = json.loads(dumps(batch[0]))
bad["vaccination"]["name"] = "UNKNOWN"
bad["facility"]["id"] = "XX-000"
write("issuer_certify", "rejected.json", dumps([bad, {"preEnrollmentCode": ""}, 7]))

demo = tomllib.loads((ROOT / "issuer-api" / "examples" / "programme.toml").read_text())["programme"]
write("issuer_programme", "programme.json", b"\x00" + dumps(demo).encode())
write("issuer_programme", "vaccine.json", b"\x01" + dumps(demo["vaccines"][0]).encode())
new_vaccine = dict(demo["vaccines"][1], name="CORBEVAX", manufacturer="Biological E")
write("issuer_programme", "new-vaccine.json", b"\x01" + dumps(new_vaccine).encode())
write("issuer_programme", "facility.json", b"\x02" + dumps(demo["facilities"][1]).encode())
write("issuer_programme", "vaccinator.json", b"\x03" + dumps(demo["vaccinators"][1]).encode())
write("issuer_programme", "stale.json", b"\x05" + dumps(demo["vaccines"][0]).encode())

code, dob = batch[0]["preEnrollmentCode"], batch[0]["recipient"]["dob"]
phone = batch[1]["recipient"]["contact"][0].removeprefix("tel:")
write("issuer_citizen", "dob.json", dumps({"preEnrollmentCode": code, "dob": dob}))
write("issuer_citizen", "phone.json", dumps({"preEnrollmentCode": batch[1]["preEnrollmentCode"], "phone": phone}))
write("issuer_citizen", "svg.json", dumps({"preEnrollmentCode": code, "dob": dob, "format": "qr.svg", "dose": 1}))
write("issuer_citizen", "pdf.json", dumps({"preEnrollmentCode": code, "dob": dob, "format": "pdf", "lang": "hi"}))
write("issuer_citizen", "wrong.json", dumps({"preEnrollmentCode": code, "dob": "1970-01-01"}))

# ---------------------------------------------------------------- registry
def event(certificate_id, status, event_id, **extra):
    value = {
        "type": "certificate.status", "version": 1, "event_id": event_id,
        "issuer": MOH_DID, "certificate_id": certificate_id, "status": status,
        "reason": "seed", "effective_at": "2026-11-27T08:00:00.000Z", "sequence": 1,
    }
    value.update(extra)
    return value


events = {
    "revoked": event("3YD1-W548-JND0-NXXR", "revoked", "e1"),
    "suspended": event("8KQ2-1M4T-ZZ90-ABCD", "suspended", "e2", suspended_until="2026-12-31"),
    "lifted": event("8KQ2-1M4T-ZZ90-ABCD", "active", "e3"),
    "status-entry": event(
        "STAT-0000-0000-0001", "revoked", "e4",
        credential_status={"status_list": "https://registry.test/v1/status-lists/moh-test/0", "status_index": 42},
    ),
}
for name, value in events.items():
    write("registry_ingest", f"{name}.json", b"\x00" + jcs(value))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

key = Ed25519PrivateKey.from_private_bytes(bytes([0x11] * 32))
body = jcs(events["revoked"])
header = b64url(dumps({"alg": "EdDSA", "b64": False, "crit": ["b64"], "kid": MOH_KID}).encode())
signature = b64url(key.sign(header.encode() + b"." + body))
write("registry_ingest", "raw-signed.json", b"\x01" + f"{header}..{signature}\n".encode() + body)
write("registry_ingest", "raw-bad-signature.json", b"\x01" + f"{header}..{b64url(bytes(64))}\n".encode() + body)

full = json.loads((FUZZ / "corpus" / "rules_list" / "seed-full.json").read_text())["payload"]["rules"]
write("registry_rules", "full.json", dumps({"name": "India, entry", "rules": full}))
write("registry_rules", "one.json", dumps({"rules": [{"id": "doses", "text": "At least two doses", "require": {"minDoses": 2.0}}]}))
write("registry_rules", "duplicate-id.json", dumps({"rules": [
    {"id": "a", "text": "x", "require": "scheduleComplete"},
    {"id": "a", "text": "y", "require": {"minDoses": 1}}]}))

x = b64url(bytes(range(32)))
base58_key = "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"
register = [
    {"id": "https://other.test/", "did": "did:web:other.test", "name": "Other Ministry", "country": "LK"},
    {"id": "https://x.test/", "name": "X", "country": "IN", "slug": "x-test",
     "contexts": [{"url": "https://x.test/ctx", "document": {"@context": {"name": "https://schema.org/name"}}}]},
]
for i, body in enumerate(register):
    write("registry_admin", f"issuer-{i}.json", b"\x00" + dumps(body).encode())
write("registry_admin", "key-jwk.json", b"\x01" + dumps(
    {"kid": "did:web:moh.test#key-2", "public_key_jwk": {"kty": "OKP", "crv": "Ed25519", "x": x},
     "valid_from": "2026-01-01T00:00:00Z"}).encode())
write("registry_admin", "key-base58.json", b"\x01" + dumps(
    {"kid": "did:web:moh.test#key-0", "public_key": base58_key, "valid_until": "2026-06-30T00:00:00Z"}).encode())
write("registry_admin", "retire.json", b"\x02" + dumps({"kid": MOH_KID, "valid_until": "2026-11-27T07:00:00Z"}).encode())
write("registry_admin", "compromise.json", b"\x03" + dumps({"kid": MOH_KID, "since": "2026-11-20T00:00:00Z"}).encode())
write("registry_admin", "token-issuer.json", b"\x04" + dumps({"role": "issuer", "issuer": "moh-test", "label": "moh outbox"}).encode())
write("registry_admin", "token-admin.json", b"\x04" + dumps({"role": "registry-admin", "label": "second"}).encode())
