#!/usr/bin/env python3
"""Regenerate the committed seed corpus (corpus/<target>/seed-*) from the
project's fixtures. Deterministic: run it again and git shows no change.

Usage: python3 fuzz/make_seeds.py
"""
import base64
import io
import pathlib
import re
import zipfile
import zlib

FUZZ = pathlib.Path(__file__).resolve().parent
FIXTURES = FUZZ.parent / "tests" / "fixtures"
STACK = FIXTURES / "divoc" / "stack-signed"
PROBES = FIXTURES / "jsonld-canon" / "probes"
CANON = FIXTURES / "jsonld-canon" / "corpus"


def write(target, name, data):
    out = FUZZ / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    (out / f"seed-{name}").write_bytes(data)


def raw_deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zip_with(data, compressed, method, declared, descriptor=False):
    """One-entry zip, fields set by hand (zipfile would refuse to lie)."""
    import struct

    name = b"certificate.json"
    crc = zlib.crc32(data)
    flags = 8 if descriptor else 0
    local_crc, local_c, local_u = (0, 0, 0) if descriptor else (crc, len(compressed), declared)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0x21,
                        local_crc, local_c, local_u, len(name), 0) + name
    body = local + compressed
    if descriptor:
        body += struct.pack("<4sIII", b"PK\x07\x08", crc, len(compressed), declared)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, 0, 0x21,
                          crc, len(compressed), declared, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(body), 0)
    return body + central + end


def payload_decode():
    t = "payload_decode"
    json = (STACK / "ed25519-v2/cert-004/certificate.json").read_bytes()
    zip1 = (STACK / "ed25519-v2/cert-001/certificate.zip").read_bytes()
    write(t, "divoc-ed25519.zip", zip1)
    write(t, "divoc-rsa.zip", (STACK / "rsa-v1/cert-002/certificate.zip").read_bytes())
    zip3 = (STACK / "ed25519-v2/cert-003/certificate.zip").read_bytes()
    write(t, "divoc-latin1.txt", zip3.decode("latin-1").encode("utf-8"))
    write(t, "divoc-b64.txt", b"B64:" + base64.b64encode(zip1))
    write(t, "divoc.json", json)
    write(t, "bom.json", b"\xef\xbb\xbf " + json)
    payload = STACK / "ed25519-v2-tampered/payload"
    write(t, "truncated.zip", (payload / "truncated.zip").read_bytes())
    write(t, "garbage.bin", (payload / "garbage.zip").read_bytes())
    write(t, "rezipped.zip", (payload / "rezipped_valid.zip").read_bytes())
    write(t, "stored.zip", zip_with(json, json, 0, len(json)))
    write(t, "data-descriptor.zip", zip_with(json, raw_deflate(json), 8, len(json), descriptor=True))
    # A small zip bomb with lying headers: 2 MiB of zeros declared as 2 KiB.
    zeros = bytes(2 * 1024 * 1024)
    write(t, "lying-bomb.zip", zip_with(zeros[:2048], raw_deflate(zeros), 8, 2048))
    write(t, "hc1.txt", b"HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9D-9P1V3$LL")
    write(t, "shc.txt", b"shc:/567629095243206034602924374044603122295953265460346029254077280433602870")


def safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def jsonld_canonicalize():
    t = "jsonld_canonicalize"
    for probe in sorted(PROBES.glob("*.json")):
        if probe.name in ("cases.json", "js_refs.json"):
            continue
        write(t, "probe-" + safe(probe.name), probe.read_bytes())
    for suite in ("ed25519-v2", "rsa-v1"):
        for part in ("doc", "proof"):
            src = CANON / f"stack-signed__{suite}__cert-001.{part}.json"
            write(t, f"{suite}-{part}.json", src.read_bytes())
    write(t, "signed-credential.json", (STACK / "ed25519-v2/cert-001/certificate.json").read_bytes())


def proof_verify():
    t = "proof_verify"
    for cert in sorted((STACK / "ed25519-v2").glob("cert-*/certificate.json")):
        write(t, f"ed25519-{cert.parent.name}.json", cert.read_bytes())
    for case in sorted((STACK / "ed25519-v2-tampered/cert-001").glob("*/certificate.json")):
        write(t, f"tampered-{case.parent.name}.json", case.read_bytes())
    write(t, "rsa-cert-001.json", (STACK / "rsa-v1/cert-001/certificate.json").read_bytes())


if __name__ == "__main__":
    payload_decode()
    jsonld_canonicalize()
    proof_verify()
