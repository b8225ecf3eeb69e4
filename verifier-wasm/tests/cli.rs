//! The `verify` command end to end: the real binary over the DIVOC corpus
//! (stack-signed certificates, their tampered variants, DIVOC's own vectors),
//! every input form (PNG, ZIP, JSON, QR text, stdin, directories), the exit
//! codes, `--decode-only`, signed trust and revocation lists, and zip bombs
//! under a memory limit.
//!
//! The tampered cases are driven by their manifests, and a case this file
//! has no expectation for fails the test: a new case cannot be skipped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use credential::{
    IssuerRevocations, KeyStatus, PrivateKey, RevocationList, TrustList, TrustedIssuer, TrustedKey,
};
use jiff::{Timestamp, ToSpan};
use serde_json::Value;

const VERIFY: &str = env!("CARGO_BIN_EXE_verify");
const DIVOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/divoc");

fn stack(dir: &str) -> PathBuf {
    Path::new(DIVOC).join("stack-signed").join(dir)
}

fn path(p: impl AsRef<Path>) -> String {
    p.as_ref().display().to_string()
}

/// Run `verify` with these arguments. `NO_COLOR` and a pipe keep the output
/// plain whatever runs the tests.
fn run(args: &[String]) -> Output {
    run_with_stdin(args, None)
}

fn run_with_stdin(args: &[String], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(VERIFY)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The `--json` lines of a run, keyed by input. Also checks there is exactly
/// one line per input and nothing on stderr.
fn json_verdicts(out: &Output, inputs: &[String]) -> BTreeMap<String, Value> {
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        out.stderr.is_empty(),
        "unexpected stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), inputs.len(), "one line per input:\n{stdout}");
    for (line, input) in lines.iter().zip(inputs) {
        assert_eq!(line["input"], input.as_str(), "inputs keep their order");
    }
    lines
        .into_iter()
        .map(|v| (v["input"].as_str().unwrap().to_owned(), v))
        .collect()
}

fn status(v: &Value) -> &str {
    v["status"].as_str().unwrap()
}

fn first_code(v: &Value) -> &str {
    v["reasons"][0]["code"].as_str().unwrap_or("")
}

fn codes(v: &Value) -> Vec<&str> {
    v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

fn read_json(p: impl AsRef<Path>) -> Value {
    serde_json::from_slice(&std::fs::read(p.as_ref()).unwrap()).unwrap()
}

/// A moment inside the certificate's year of validity: a day after issuance.
fn day_after_issuance(certificate_json: impl AsRef<Path>) -> String {
    let issued: Timestamp = read_json(certificate_json)["issuanceDate"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    issued.checked_add(24.hours()).unwrap().to_string()
}

/// A scratch directory of its own per test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The pinned-key arguments for a stack-signed fixture directory.
fn pin(dir: &str, key_file: &str) -> Vec<String> {
    let manifest = read_json(stack(dir).join("manifest.json"));
    args(&[
        "--key",
        &path(stack(dir).join("key").join(key_file)),
        "--kid",
        manifest["kid"].as_str().unwrap(),
        "--json",
    ])
}

/// Every stack-signed certificate, as QR image, ZIP and JSON, verifies with
/// the key pinned, at a day after its own issuance.
fn stack_signed_all_valid(dir: &str, suite: &str) {
    let manifest = read_json(stack(dir).join("manifest.json"));
    let certificates = manifest["certificates"].as_array().unwrap();
    assert!(certificates.len() >= 4, "the manifest lists the corpus");
    for c in certificates {
        assert_eq!(c["expected"], "valid", "{c}");
        let files = &c["files"];
        let inputs: Vec<String> = ["qr", "zip", "json"]
            .iter()
            .map(|form| path(stack(dir).join(files[form].as_str().unwrap())))
            .collect();
        let now = day_after_issuance(stack(dir).join(files["json"].as_str().unwrap()));
        let mut a = pin(dir, "public.pem");
        a.extend(args(&["--now", &now]));
        a.extend(inputs.iter().cloned());
        let out = run(&a);
        let verdicts = json_verdicts(&out, &inputs);
        for (input, v) in &verdicts {
            assert_eq!(status(v), "valid", "{input}: {v}");
            // Pinned keys, no revocation list: the only reason is that flag.
            assert_eq!(codes(v), ["revocation_unknown"], "{input}: {v}");
            assert_eq!(v["revocation_unknown"], true);
            assert_eq!(v["suite"], suite, "{input}");
            let expected_format = if input.ends_with(".json") {
                "json"
            } else {
                "zip"
            };
            assert_eq!(v["format"], expected_format, "{input}");
            assert_eq!(v["fields"]["name"], c["name"], "{input}");
            assert_eq!(v["fields"]["dose"], c["dose"].to_string(), "{input}");
        }
        assert_eq!(out.status.code(), Some(0), "{}", c["id"]);
    }
}

#[test]
fn stack_signed_ed25519_every_form_valid() {
    stack_signed_all_valid("ed25519-v2", "Ed25519Signature2018");
}

#[test]
fn stack_signed_rsa_every_form_valid() {
    stack_signed_all_valid("rsa-v1", "RsaSignature2018");
}

/// The status and first reason code each tampered case must get. A case
/// missing here fails the test, so the manifest cannot grow silently.
fn expected_verdict(case: &str) -> Option<(&'static str, &'static str)> {
    Some(match case {
        "original" | "reordered_keys" | "rezipped_valid" => ("valid", "revocation_unknown"),
        // The signed bytes changed (content, proof options, signature) or
        // another key signed: the signature does not match.
        "changed_name"
        | "changed_dose"
        | "changed_date"
        | "changed_issuer"
        | "jws_flipped_byte"
        | "proof_created_changed"
        | "other_key_signature" => ("invalid", "signature_invalid"),
        // Unsigned data: refused before any signature check.
        "added_undefined_property" | "added_undefined_property_subject" => {
            ("invalid", "undefined_term")
        }
        "removed_proof" => ("invalid", "proof_missing"),
        "unknown_verification_method" => ("unknown_issuer", "key_unknown"),
        "truncated_zip" => ("not_a_certificate", "payload_zip_invalid"),
        "zip_bomb" | "zip_bomb_lying_header" => ("not_a_certificate", "payload_too_large"),
        "non_zip_garbage" => ("not_a_certificate", "payload_unrecognized"),
        // An EU DCC (`HC1:`) text in a QR: recognised, not supported yet.
        "qr_random_text" => ("not_a_certificate", "payload_unsupported_format"),
        _ => return None,
    })
}

/// Every case of a tampered manifest, in every form it comes in, gets the
/// fitting status and first reason; exit 1 for each batch holding a reject.
fn tampered_cases(dir: &str) {
    let root = stack(dir);
    let manifest = read_json(root.join("manifest.json"));
    let cases = manifest["cases"].as_array().unwrap();
    // One run per source certificate (one clock each) and one for the
    // payload attacks: few processes, every file.
    let mut batches: BTreeMap<String, Vec<(String, &Value)>> = BTreeMap::new();
    for c in cases {
        let case = c["case"].as_str().unwrap();
        assert!(
            expected_verdict(case).is_some(),
            "{dir}: case {case} has no expected verdict in tests/cli.rs"
        );
        let files: Vec<String> = match c.get("files") {
            Some(files) => ["json", "zip", "qr"]
                .iter()
                .map(|form| path(root.join(files[form].as_str().unwrap())))
                .collect(),
            None => vec![path(root.join(c["file"].as_str().unwrap()))],
        };
        let source = c["source"].as_str().unwrap_or("").to_owned();
        for f in files {
            batches.entry(source.clone()).or_default().push((f, c));
        }
    }
    assert!(batches.contains_key(""), "{dir}: payload attacks present");
    let mut checked = 0;
    for (source, batch) in &batches {
        let now = if source.is_empty() {
            // The payload control (rezipped_valid) is cert-001.
            day_after_issuance(root.join("cert-001/original/certificate.json"))
        } else {
            day_after_issuance(root.join(source).join("original/certificate.json"))
        };
        let inputs: Vec<String> = batch.iter().map(|(f, _)| f.clone()).collect();
        let mut a = pin(dir, "public.pem");
        a.extend(args(&["--now", &now]));
        a.extend(inputs.iter().cloned());
        let out = run(&a);
        let verdicts = json_verdicts(&out, &inputs);
        let mut all_valid = true;
        for (input, c) in batch {
            let case = c["case"].as_str().unwrap();
            let (want_status, want_code) = expected_verdict(case).unwrap();
            let v = &verdicts[input];
            assert_eq!(
                (status(v), first_code(v)),
                (want_status, want_code),
                "{dir} {input}: {v}"
            );
            // The manifest's own expectation agrees.
            let manifest_valid = c["expected"] == "valid";
            assert_eq!(manifest_valid, want_status == "valid", "{input}");
            all_valid &= manifest_valid;
            // Unsigned or forged content is never displayed.
            if want_status != "valid" {
                assert!(v.get("fields").is_none_or(Value::is_null), "{input}: {v}");
            }
            checked += 1;
        }
        let want_exit = if all_valid { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(want_exit), "{dir} {source}");
    }
    // 2 sources x 13 cases x 3 forms + 6 payload files.
    assert!(checked >= 84, "{dir}: only {checked} inputs checked");
}

#[test]
fn tampered_ed25519_cases_get_fitting_verdicts() {
    tampered_cases("ed25519-v2-tampered");
}

#[test]
fn tampered_rsa_cases_get_fitting_verdicts() {
    tampered_cases("rsa-v1-tampered");
}

/// DIVOC's published vectors, each with its key under the legacy id
/// `did:india`; the Ed25519 vector against the RSA key is a key mismatch.
#[test]
fn divoc_vectors_with_their_keys() {
    let vectors = Path::new(DIVOC).join("vectors");
    let rsa_key = path(vectors.join("rsa-test-key.pem"));
    let ed_key = path(vectors.join("ed25519-test-key.base58"));
    let now = "2021-09-01T00:00:00Z";
    let v = |name: &str| path(vectors.join(name));

    let rsa_inputs = vec![
        v("rsa-cowin-context-valid.json"),
        v("rsa-divoc-context-valid.json"),
        v("rsa-divoc-context-bad-signature.json"),
    ];
    let mut a = args(&[
        "--key",
        &rsa_key,
        "--kid",
        "did:india",
        "--json",
        "--now",
        now,
    ]);
    a.extend(rsa_inputs.iter().cloned());
    let out = run(&a);
    let verdicts = json_verdicts(&out, &rsa_inputs);
    for input in &rsa_inputs[..2] {
        assert_eq!(status(&verdicts[input]), "valid", "{}", verdicts[input]);
        assert_eq!(verdicts[input]["suite"], "RsaSignature2018");
    }
    let bad = &verdicts[&rsa_inputs[2]];
    assert_eq!(
        (status(bad), first_code(bad)),
        ("invalid", "signature_invalid")
    );
    assert_eq!(out.status.code(), Some(1));

    let ed_input = v("ed25519-divoc-context-valid.json");
    let out = run(&args(&[
        "--key",
        &ed_key,
        "--kid",
        "did:india",
        "--json",
        "--now",
        now,
        &ed_input,
    ]));
    let verdicts = json_verdicts(&out, std::slice::from_ref(&ed_input));
    assert_eq!(
        status(&verdicts[&ed_input]),
        "valid",
        "{}",
        verdicts[&ed_input]
    );
    assert_eq!(verdicts[&ed_input]["suite"], "Ed25519Signature2018");
    assert_eq!(out.status.code(), Some(0));

    // The right id, the wrong kind of key.
    let out = run(&args(&[
        "--key",
        &rsa_key,
        "--kid",
        "did:india",
        "--json",
        "--now",
        now,
        &ed_input,
    ]));
    let verdicts = json_verdicts(&out, std::slice::from_ref(&ed_input));
    let v = &verdicts[&ed_input];
    assert_eq!(
        (status(v), first_code(v)),
        ("invalid", "key_algorithm_mismatch"),
        "{v}"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// The same key as JWK and base58 (Ed25519) and JWK (RSA).
#[test]
fn key_forms_jwk_and_base58() {
    for (dir, key_file) in [
        ("ed25519-v2", "public.jwk.json"),
        ("ed25519-v2", "public.b58"),
        ("rsa-v1", "public.jwk.json"),
    ] {
        let input = path(stack(dir).join("cert-001/certificate.zip"));
        let mut a = pin(dir, key_file);
        a.extend(args(&[
            "--now",
            &day_after_issuance(stack(dir).join("cert-001/certificate.json")),
            &input,
        ]));
        let out = run(&a);
        let verdicts = json_verdicts(&out, std::slice::from_ref(&input));
        assert_eq!(status(&verdicts[&input]), "valid", "{dir} {key_file}");
        assert_eq!(out.status.code(), Some(0));
    }
}

#[test]
fn exit_codes() {
    let ed = "ed25519-v2";
    let good = path(stack(ed).join("cert-001/certificate.zip"));
    let tampered = path(stack("ed25519-v2-tampered").join("cert-001/changed_name/certificate.zip"));
    let now = day_after_issuance(stack(ed).join("cert-001/certificate.json"));
    let key = path(stack(ed).join("key/public.pem"));
    let kid = "did:example:moh#key-1";

    // 1 when any input is not valid; the valid one still reads valid.
    let out = run(&args(&[
        "--key", &key, "--kid", kid, "--now", &now, "--json", &good, &tampered,
    ]));
    let verdicts = json_verdicts(&out, &[good.clone(), tampered.clone()]);
    assert_eq!(status(&verdicts[&good]), "valid");
    assert_eq!(status(&verdicts[&tampered]), "invalid");
    assert_eq!(out.status.code(), Some(1));

    // Not yet valid (before its issuance date): not valid, exit 1. DIVOC
    // certificates carry no expiry (`effectiveUntil` is the protection
    // period, not the certificate's), so years later they are still valid.
    let out = run(&args(&[
        "--key",
        &key,
        "--kid",
        kid,
        "--now",
        "2020-01-01T00:00:00Z",
        "--json",
        &good,
    ]));
    let verdicts = json_verdicts(&out, std::slice::from_ref(&good));
    assert_eq!(
        (status(&verdicts[&good]), first_code(&verdicts[&good])),
        ("not_yet_valid", "not_yet_valid")
    );
    assert_eq!(out.status.code(), Some(1));
    let out = run(&args(&[
        "--key",
        &key,
        "--kid",
        kid,
        "--now",
        "2030-01-01T00:00:00Z",
        "--json",
        &good,
    ]));
    let verdicts = json_verdicts(&out, std::slice::from_ref(&good));
    assert_eq!(status(&verdicts[&good]), "valid");

    // Usage errors: exit 2, a message on stderr, nothing on stdout.
    let usage_errors: [(&str, Vec<String>); 6] = [
        ("no inputs", args(&["--key", &key, "--kid", kid])),
        ("--key without --kid", args(&["--key", &key, &good])),
        ("no key at all", args(&[&good])),
        (
            "unreadable key file",
            args(&["--key", "/nonexistent/key.pem", "--kid", kid, &good]),
        ),
        (
            "bad --now",
            args(&["--key", &key, "--kid", kid, "--now", "yesterday", &good]),
        ),
        (
            "--trust-list without --anchor",
            args(&["--trust-list", &good, &good]),
        ),
    ];
    for (what, a) in usage_errors {
        let out = run(&a);
        assert_eq!(out.status.code(), Some(2), "{what}");
        assert!(out.stdout.is_empty(), "{what}");
        assert!(!out.stderr.is_empty(), "{what}: says why");
    }

    // A key file that is not a key: a usage error naming the file.
    let out = run(&args(&["--key", &good, "--kid", kid, &good]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("certificate.zip"));

    // A missing input is not a usage error: that input is not a certificate.
    let missing = "/nonexistent/qr.png".to_owned();
    let out = run(&args(&["--key", &key, "--kid", kid, "--json", &missing]));
    let verdicts = json_verdicts(&out, std::slice::from_ref(&missing));
    assert_eq!(
        (status(&verdicts[&missing]), first_code(&verdicts[&missing])),
        ("not_a_certificate", "payload_unrecognized")
    );
    assert_eq!(out.status.code(), Some(1));

    // --help and --version are not errors.
    assert_eq!(run(&args(&["--help"])).status.code(), Some(0));
    assert_eq!(run(&args(&["--version"])).status.code(), Some(0));
}

/// Standard base64 with padding (RFC 4648), enough for a test input.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `-` reads stdin: raw ZIP bytes, and `B64:` text with a trailing newline.
#[test]
fn stdin_zip_and_b64_text() {
    let ed = "ed25519-v2";
    let zip = std::fs::read(stack(ed).join("cert-002/certificate.zip")).unwrap();
    let b64 = format!("B64:{}\n", base64(&zip));
    let mut a = pin(ed, "public.pem");
    a.extend(args(&[
        "--now",
        &day_after_issuance(stack(ed).join("cert-002/certificate.json")),
        "-",
    ]));
    for (bytes, format) in [(zip.as_slice(), "zip"), (b64.as_bytes(), "base64-zip")] {
        let out = run_with_stdin(&a, Some(bytes));
        let verdicts = json_verdicts(&out, &["-".to_owned()]);
        assert_eq!(status(&verdicts["-"]), "valid", "{}", verdicts["-"]);
        assert_eq!(verdicts["-"]["format"], format);
        assert_eq!(out.status.code(), Some(0));
    }
    // Garbage on stdin.
    let out = run_with_stdin(&a, Some(b"hello"));
    let verdicts = json_verdicts(&out, &["-".to_owned()]);
    assert_eq!(status(&verdicts["-"]), "not_a_certificate");
    assert_eq!(out.status.code(), Some(1));
}

/// A directory verifies every file in it, nested ones too, in sorted order:
/// PNG, JPEG, ZIP, JSON and QR text.
#[test]
fn directory_input() {
    let ed = "ed25519-v2";
    let dir = scratch("directory");
    std::fs::create_dir(dir.join("nested")).unwrap();
    let cert = stack(ed).join("cert-001");
    std::fs::copy(cert.join("qr.png"), dir.join("a-qr.png")).unwrap();
    std::fs::copy(cert.join("certificate.zip"), dir.join("b.zip")).unwrap();
    std::fs::copy(cert.join("certificate.json"), dir.join("nested/c.json")).unwrap();
    // A photo-like JPEG of the QR (greyscale, lossy, turned a quarter).
    let png = image::open(cert.join("qr.png")).unwrap().to_luma8();
    image::imageops::rotate90(&png)
        .save_with_format(dir.join("a-photo.jpg"), image::ImageFormat::Jpeg)
        .unwrap();
    // QR text saved by a reader app, trailing newline and all.
    let zip = std::fs::read(cert.join("certificate.zip")).unwrap();
    std::fs::write(dir.join("nested/qr.txt"), format!("B64:{}\n", base64(&zip))).unwrap();
    let expected: Vec<String> = [
        "a-photo.jpg",
        "a-qr.png",
        "b.zip",
        "nested/c.json",
        "nested/qr.txt",
    ]
    .iter()
    .map(|f| path(dir.join(f)))
    .collect();

    let mut a = pin(ed, "public.pem");
    a.extend(args(&[
        "--now",
        &day_after_issuance(cert.join("certificate.json")),
        &path(&dir),
    ]));
    let out = run(&a);
    let verdicts = json_verdicts(&out, &expected);
    let formats: Vec<&str> = expected
        .iter()
        .map(|input| {
            let v = &verdicts[input];
            assert_eq!(status(v), "valid", "{input}: {v}");
            v["format"].as_str().unwrap()
        })
        .collect();
    assert_eq!(formats, ["zip", "zip", "zip", "json", "base64-zip"]);
    assert_eq!(out.status.code(), Some(0));

    // One bad file in the directory makes the run exit 1.
    let garbage = stack("ed25519-v2-tampered").join("payload/garbage.zip");
    std::fs::copy(garbage, dir.join("d-garbage.zip")).unwrap();
    let mut expected = expected;
    expected.push(path(dir.join("d-garbage.zip")));
    expected.sort();
    let out = run(&a);
    let verdicts = json_verdicts(&out, &expected);
    assert_eq!(
        status(&verdicts[&path(dir.join("d-garbage.zip"))]),
        "not_a_certificate"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// The human output: status, holder and proof, reasons with their codes.
#[test]
fn human_output() {
    let ed = "ed25519-v2";
    let good = path(stack(ed).join("cert-001/certificate.zip"));
    let bad = path(stack("ed25519-v2-tampered").join("cert-001/changed_dose/certificate.zip"));
    let now = day_after_issuance(stack(ed).join("cert-001/certificate.json"));
    let key = path(stack(ed).join("key/public.pem"));
    let out = run(&args(&[
        "--key",
        &key,
        "--kid",
        "did:example:moh#key-1",
        "--now",
        &now,
        &good,
        &bad,
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("{good}: VALID*")), "{text}");
    assert!(text.contains("विकास शर्मा"), "{text}");
    assert!(text.contains("proof: Ed25519Signature2018"), "{text}");
    assert!(text.contains(&format!("{bad}: INVALID")), "{text}");
    assert!(text.contains("- signature_invalid: "), "{text}");
    assert!(!text.contains('\x1b'), "no colour into a pipe");
    assert_eq!(out.status.code(), Some(1));
}

fn decode_only(inputs: &[String]) -> (Vec<String>, Option<i32>) {
    let mut a = args(&["--decode-only"]);
    a.extend(inputs.iter().cloned());
    let out = run(&a);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<String> = stdout
        .lines()
        .zip(inputs)
        .map(|(line, input)| {
            line.strip_prefix(&format!("{input}\t"))
                .unwrap_or_else(|| panic!("{line:?} starts with {input}"))
                .to_owned()
        })
        .collect();
    assert_eq!(lines.len(), inputs.len(), "{stdout}");
    (lines, out.status.code())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `--decode-only`: a byte-mode DIVOC QR gives exactly the ZIP's bytes as
/// hex, a text QR its text, an image without a code `no QR found`. A file
/// that is not an image is passed through as the payload it is (the bytes
/// the verifier would check): a ZIP as hex, JSON and QR text as text.
#[test]
fn decode_only_payloads() {
    let dir = scratch("decode-only");
    let blank = dir.join("blank.png");
    image::GrayImage::from_pixel(96, 96, image::Luma([255]))
        .save(&blank)
        .unwrap();
    let b64_file = dir.join("qr.txt");
    std::fs::write(&b64_file, "B64:UEsDBA==\n").unwrap();

    let cert = stack("ed25519-v2").join("cert-001");
    let rsa_cert = stack("rsa-v1").join("cert-003");
    let text_qr = stack("ed25519-v2-tampered").join("payload/qr_random_text.png");
    let inputs: Vec<String> = [
        cert.join("qr.png"),
        rsa_cert.join("qr.png"),
        text_qr,
        blank,
        cert.join("certificate.zip"),
        cert.join("certificate.json"),
        b64_file,
    ]
    .iter()
    .map(path)
    .collect();
    let (lines, code) = decode_only(&inputs);
    let zip = std::fs::read(cert.join("certificate.zip")).unwrap();
    assert_eq!(lines[0], format!("hex:{}", hex(&zip)));
    let rsa_zip = std::fs::read(rsa_cert.join("certificate.zip")).unwrap();
    assert_eq!(lines[1], format!("hex:{}", hex(&rsa_zip)));
    assert!(lines[2].starts_with("HC1:"), "{}", lines[2]);
    assert!(!lines[2].starts_with("hex:"));
    assert_eq!(lines[3], "no QR found");
    // Not images: the file is its own payload.
    assert_eq!(lines[4], format!("hex:{}", hex(&zip)));
    let json = std::fs::read_to_string(cert.join("certificate.json")).unwrap();
    assert_eq!(lines[5], json.replace('\n', "\\n"));
    assert_eq!(
        lines[6], "B64:UEsDBA==",
        "QR text loses its trailing newline"
    );
    // Decoding only never judges: exit 0 even with no code found.
    assert_eq!(code, Some(0));
}

const ANCHOR_SEED: [u8; 32] = [0xA7; 32];

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn trusted_key(kid: &str, dir: &str) -> TrustedKey {
    let pem = std::fs::read_to_string(stack(dir).join("key/public.pem")).unwrap();
    TrustedKey {
        kid: kid.to_owned(),
        public_key: credential::PublicKey::from_pem(&pem).unwrap(),
        valid_from: ts("2021-01-01T00:00:00Z"),
        valid_until: None,
        status: KeyStatus::Active,
    }
}

/// A trust list with the two stack-signed issuers and a revocation list
/// revoking ed25519-v2's cert-002 (by its numeric certificate id) and
/// rsa-v1's cert-001, both signed by a fixed anchor, written to files.
struct SignedLists {
    trust_list: String,
    revocations: String,
    anchor_pem: String,
    anchor_jwk: String,
}

fn certificate_id(dir: &str, cert: &str) -> String {
    read_json(stack(dir).join(cert).join("certificate.json"))["evidence"][0]["certificateId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn signed_lists(name: &str) -> SignedLists {
    let dir = scratch(name);
    let anchor = PrivateKey::from_ed25519_seed(&ANCHOR_SEED);
    let list = TrustList::new(
        1,
        ts("2021-01-01T00:00:00Z"),
        ts("2030-01-01T00:00:00Z"),
        vec![
            TrustedIssuer {
                id: "https://moh.example.org/".into(),
                name: "Ministry of Health (test)".into(),
                country: "IN".into(),
                keys: vec![trusted_key("did:example:moh#key-1", "ed25519-v2")],
            },
            TrustedIssuer {
                id: "https://cowin.gov.in/".into(),
                name: "CoWIN (test)".into(),
                country: "IN".into(),
                keys: vec![trusted_key("did:india", "rsa-v1")],
            },
        ],
        vec![],
    )
    .unwrap();
    let revocations = RevocationList {
        version: 1,
        issued_at: ts("2021-01-01T00:00:00Z"),
        next_update: ts("2030-01-01T00:00:00Z"),
        since: None,
        issuers: vec![
            IssuerRevocations::from_ids(
                "https://moh.example.org/",
                [certificate_id("ed25519-v2", "cert-002").as_str()],
                [],
            ),
            IssuerRevocations::from_ids(
                "https://cowin.gov.in/",
                [certificate_id("rsa-v1", "cert-001").as_str()],
                [],
            ),
        ],
    };
    let write = |file: &str, bytes: &[u8]| {
        let p = dir.join(file);
        std::fs::write(&p, bytes).unwrap();
        path(p)
    };
    let public = anchor.public_key();
    SignedLists {
        trust_list: write("trust-list.json", &list.sign(&anchor).unwrap()),
        revocations: write("revocations.json", &revocations.sign(&anchor).unwrap()),
        anchor_pem: write("anchor.pem", public.to_pem().unwrap().as_bytes()),
        anchor_jwk: write("anchor.jwk", public.to_jwk().to_string().as_bytes()),
    }
}

/// `--trust-list` + `--anchor` + `--revocations`: issuers named from the
/// list, revocation checked (no `revocation_unknown`), a revoked certificate
/// `revoked` with exit 1; lists signed by another anchor are usage errors.
#[test]
fn trust_list_and_revocations() {
    let lists = signed_lists("trust-list");
    let ed = "ed25519-v2";
    let now =
        |dir: &str, cert: &str| day_after_issuance(stack(dir).join(cert).join("certificate.json"));
    let cert = |dir: &str, c: &str| path(stack(dir).join(c).join("qr.png"));

    // ed25519-v2 cert-001 and cert-002 are a month apart: one clock fits both.
    let good = cert(ed, "cert-001");
    let revoked = cert(ed, "cert-002");
    let trust = |anchor: &str| {
        args(&[
            "--trust-list",
            &lists.trust_list,
            "--anchor",
            anchor,
            "--json",
        ])
    };
    let mut a = trust(&lists.anchor_pem);
    a.extend(args(&["--now", &now(ed, "cert-002"), &good]));
    let out = run(&a);
    let verdicts = json_verdicts(&out, std::slice::from_ref(&good));
    let v = &verdicts[&good];
    assert_eq!(status(v), "valid", "{v}");
    assert_eq!(v["issuer"], "Ministry of Health (test)");
    assert_eq!(v["issuer_id"], "https://moh.example.org/");
    // No revocation list: valid, flagged.
    assert_eq!(codes(v), ["revocation_unknown"]);
    assert_eq!(out.status.code(), Some(0));

    // With revocations (anchor as JWK this time).
    let mut a = trust(&lists.anchor_jwk);
    a.extend(args(&[
        "--revocations",
        &lists.revocations,
        "--now",
        &now(ed, "cert-002"),
        &good,
        &revoked,
    ]));
    let out = run(&a);
    let verdicts = json_verdicts(&out, &[good.clone(), revoked.clone()]);
    let v = &verdicts[&good];
    assert_eq!(status(v), "valid", "{v}");
    assert!(codes(v).is_empty(), "fully checked: {v}");
    assert_eq!(v["revocation_unknown"], false);
    let v = &verdicts[&revoked];
    assert_eq!((status(v), first_code(v)), ("revoked", "revoked"), "{v}");
    assert_eq!(out.status.code(), Some(1));

    // RSA under its own issuer: cert-001 revoked, cert-002 good.
    for (c, want, exit) in [("cert-001", "revoked", 1), ("cert-002", "valid", 0)] {
        let input = cert("rsa-v1", c);
        let mut a = trust(&lists.anchor_pem);
        a.extend(args(&[
            "--revocations",
            &lists.revocations,
            "--now",
            &now("rsa-v1", c),
            &input,
        ]));
        let out = run(&a);
        let verdicts = json_verdicts(&out, std::slice::from_ref(&input));
        assert_eq!(status(&verdicts[&input]), want, "{}", verdicts[&input]);
        assert_eq!(verdicts[&input]["issuer"], "CoWIN (test)");
        assert_eq!(out.status.code(), Some(exit));
    }

    // Revocations also work with pinned keys, given the anchor.
    let mut a = pin(ed, "public.pem");
    a.extend(args(&[
        "--anchor",
        &lists.anchor_pem,
        "--revocations",
        &lists.revocations,
        "--now",
        &now(ed, "cert-002"),
        &revoked,
    ]));
    let out = run(&a);
    let verdicts = json_verdicts(&out, std::slice::from_ref(&revoked));
    assert_eq!(status(&verdicts[&revoked]), "revoked");
    assert_eq!(out.status.code(), Some(1));

    // A list checked against the wrong anchor: exit 2, nothing verified.
    let other_anchor = scratch("trust-list-other-anchor").join("other.b58");
    std::fs::write(
        &other_anchor,
        PrivateKey::from_ed25519_seed(&[0x11; 32])
            .public_key()
            .to_base58()
            .unwrap(),
    )
    .unwrap();
    for extra in [vec![], args(&["--revocations", &lists.revocations])] {
        let mut a = trust(&path(&other_anchor));
        a.extend(extra);
        a.push(good.clone());
        let out = run(&a);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("anchor"));
    }
    // A revocation list passed off as a trust list: refused.
    let mut a = args(&[
        "--trust-list",
        &lists.revocations,
        "--anchor",
        &lists.anchor_pem,
    ]);
    a.push(good);
    assert_eq!(run(&a).status.code(), Some(2));
}

/// The zip bombs are refused within a 64 MiB address-space limit, while
/// either bomb inflated in full would need 100 MiB: the decompression is
/// bounded, not merely survived. The same limit lets a certificate verify,
/// so the limit is not what fails.
#[test]
#[cfg(target_os = "linux")]
fn zip_bombs_in_bounded_memory() {
    let payload = stack("ed25519-v2-tampered").join("payload");
    let bombs = vec![
        path(payload.join("zip_bomb.zip")),
        path(payload.join("zip_bomb_lying_header.zip")),
    ];
    let good = path(stack("ed25519-v2").join("cert-001/qr.png"));
    let limited = |inputs: &[String]| {
        let mut a = args(&["-c", "ulimit -v 65536 && exec \"$0\" \"$@\"", VERIFY]);
        a.extend(pin("ed25519-v2", "public.pem"));
        a.extend(args(&[
            "--now",
            &day_after_issuance(stack("ed25519-v2").join("cert-001/certificate.json")),
        ]));
        a.extend(inputs.iter().cloned());
        let out = Command::new("sh")
            .args(&a)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (json_verdicts(&out, inputs), out.status.code())
    };
    let (verdicts, code) = limited(std::slice::from_ref(&good));
    assert_eq!(
        status(&verdicts[&good]),
        "valid",
        "the limit leaves room to verify"
    );
    assert_eq!(code, Some(0));
    let (verdicts, code) = limited(&bombs);
    for bomb in &bombs {
        let v = &verdicts[bomb];
        assert_eq!(
            (status(v), first_code(v)),
            ("not_a_certificate", "payload_too_large"),
            "{v}"
        );
    }
    assert_eq!(code, Some(1));
}
