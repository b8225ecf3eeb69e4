#!/usr/bin/env python3
"""What each part of the verifier's wasm module costs.

    verifier-wasm/scripts/wasm-size-breakdown.py MODULE.wasm

MODULE must carry a name section (wasm-opt -g keeps it; the shipped module
does not, and its code is otherwise the same). Function bodies are grouped
by the crate their name starts with (demangled Rust paths, generic
instances counted where they are named); each group's size is given raw and
gzipped on its own (gzip -9 of its bodies concatenated: an estimate, as the
whole module compresses across groups), then data segments and the rest.

Hand-written because the tools that do this (twiggy) are not packaged for
this machine and this needs only the code and name sections.
"""

import collections
import gzip
import re
import sys


def leb(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(buf):
    assert buf[:4] == b"\0asm", "not a wasm module"
    pos = 8
    while pos < len(buf):
        sid = buf[pos]
        size, body = leb(buf, pos + 1)
        yield sid, buf[body : body + size]
        pos = body + size


def name_of(sec):
    n, pos = leb(sec, 0)
    return sec[pos : pos + n].decode(), sec[pos + n :]


def function_names(sec):
    names = {}
    pos = 0
    while pos < len(sec):
        kind = sec[pos]
        size, pos = leb(sec, pos + 1)
        sub = sec[pos : pos + size]
        pos += size
        if kind != 1:
            continue
        count, p = leb(sub, 0)
        for _ in range(count):
            idx, p = leb(sub, p)
            n, p = leb(sub, p)
            names[idx] = sub[p : p + n].decode("utf-8", "replace")
            p += n
    return names


CRATES = [
    ("rxing", "QR decoder (rxing)"),
    ("credential::jsonld", "JSON-LD + URDNA2015 (credential)"),
    ("credential", "credential: model, proofs, payload, trust, revocation"),
    ("verifier_wasm::qr", "QR glue (verifier-wasm)"),
    ("verifier_wasm", "engine + bindings (verifier-wasm)"),
    ("wasm_bindgen", "wasm-bindgen runtime"),
    ("serde_wasm_bindgen", "serde-wasm-bindgen"),
    ("serde_json", "serde_json"),
    ("serde", "serde"),
    ("rsa", "RSA (rsa, crypto-bigint)"),
    ("crypto_bigint", "RSA (rsa, crypto-bigint)"),
    ("num_bigint", "RSA (rsa, crypto-bigint)"),
    ("curve25519_dalek", "Ed25519 (dalek)"),
    ("ed25519_dalek", "Ed25519 (dalek)"),
    ("sha2", "SHA-2"),
    ("miniz_oxide", "DEFLATE (miniz_oxide)"),
    ("flate2", "DEFLATE (miniz_oxide)"),
    ("jiff", "dates (jiff)"),
    ("encoding_rs", "text encodings (encoding_rs, Shift-JIS etc.)"),
    ("core", "Rust core/alloc/std"),
    ("alloc", "Rust core/alloc/std"),
    ("std", "Rust core/alloc/std"),
    ("dlmalloc", "Rust core/alloc/std"),
    ("hashbrown", "Rust core/alloc/std"),
]


def demangle(name):
    """Rust's legacy mangling (`_ZN5rxing6qrcode...17h<hash>E`) to a path."""
    if not name.startswith("_ZN"):
        return name
    segs, pos = [], 3
    while pos < len(name) and name[pos].isdigit():
        end = pos
        while name[end].isdigit():
            end += 1
        n = int(name[pos:end])
        segs.append(name[end : end + n])
        pos = end + n
    path = "::".join(s for s in segs if not re.fullmatch(r"h[0-9a-f]{16}", s))
    for code, char in [("$LT$", "<"), ("$GT$", ">"), ("$RF$", "&"), ("$BP$", "*"),
                       ("$u20$", " "), ("$u27$", "'"), ("$C$", ","), ("$u7b$", "{"),
                       ("$u7d$", "}"), ("$u5b$", "["), ("$u5d$", "]"), ("..", "::")]:
        path = path.replace(code, char)
    return path


def group(name):
    name = demangle(name)
    # Generic instances: "<T as Trait>::f" or "crate::path::<..>"; take the
    # first path segment that names a known crate.
    for seg in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*", name):
        for prefix, label in CRATES:
            if seg == prefix or seg.startswith(prefix + "::"):
                return label
    return "other (JS glue imports, unnamed, other crates)"


def main():
    buf = open(sys.argv[1], "rb").read()
    imported = 0
    bodies = []
    names = {}
    data = b""
    for sid, sec in sections(buf):
        if sid == 2:
            count, p = leb(sec, 0)
            for _ in range(count):
                for _ in range(2):
                    n, p = leb(sec, p)
                    p += n
                kind = sec[p]
                p += 1
                if kind == 0:
                    imported += 1
                    _, p = leb(sec, p)
                elif kind == 1:
                    p += 1
                    flags, p = leb(sec, p + 0)
                    _, p = leb(sec, p)
                    if flags & 1:
                        _, p = leb(sec, p)
                elif kind == 2:
                    flags, p = leb(sec, p)
                    _, p = leb(sec, p)
                    if flags & 1:
                        _, p = leb(sec, p)
                elif kind == 3:
                    p += 2
        elif sid == 10:
            count, p = leb(sec, 0)
            for _ in range(count):
                size, p = leb(sec, p)
                bodies.append(sec[p : p + size])
                p += size
        elif sid == 11:
            data = sec
        elif sid == 0:
            cname, rest = name_of(sec)
            if cname == "name":
                names = function_names(rest)
    if not names:
        sys.exit("no name section: build with wasm-opt -g (or without stripping)")
    groups = collections.defaultdict(list)
    for i, body in enumerate(bodies):
        groups[group(names.get(imported + i, ""))].append(body)
    total = len(buf)
    code = sum(len(b) for b in bodies)
    print(f"module {total} bytes (with names); code {code}, data {len(data)}")
    print(f"{'part':58} {'raw':>9} {'gzip':>8}")
    rows = []
    for label, bs in groups.items():
        joined = b"".join(bs)
        rows.append((len(joined), len(gzip.compress(joined, 9)), label, len(bs)))
    for raw, gz, label, n in sorted(rows, reverse=True):
        print(f"{label + f' ({n} fns)':58} {raw:9} {gz:8}")
    # Data segments: string tables, rxing's and encoding_rs's tables, ...
    print(f"{'data segments':58} {len(data):9} {len(gzip.compress(data, 9)):8}")


if __name__ == "__main__":
    main()
