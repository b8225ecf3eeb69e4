//! The payload codec against DIVOC's own payloads (`tests/fixtures/divoc/stack-signed/`):
//! every certificate in every form, and every payload attack in the manifests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers: a missing fixture should fail the test loudly"
)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use credential::{
    Limits, PayloadError, PayloadFormat, decode_payload, decode_payload_with, encode_payload,
};

const STACK_SIGNED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed"
);
const SUITES: [&str; 2] = ["ed25519-v2", "rsa-v1"];

/// Every directory under `stack-signed/` holding a `certificate.zip`.
fn certificate_dirs() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.file_name().is_some_and(|n| n == "certificate.zip") {
                found.push(dir.to_path_buf());
            }
        }
    }
    let mut found = Vec::new();
    walk(Path::new(STACK_SIGNED), &mut found);
    found.sort();
    found
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn latin1(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| char::from(b))
        .collect::<String>()
        .into_bytes()
}

fn payload_case(suite: &str, file: &str) -> Vec<u8> {
    read(format!("{STACK_SIGNED}/{suite}-tampered/payload/{file}"))
}

#[test]
fn every_divoc_zip_decodes_to_its_certificate_json_in_every_form() {
    let dirs = certificate_dirs();
    assert_eq!(dirs.len(), 60, "fixture set changed");
    for dir in dirs {
        let zip = read(dir.join("certificate.zip"));
        let json = read(dir.join("certificate.json"));
        let expected_document: serde_json::Value = serde_json::from_slice(&json).unwrap();

        let b64 = base64::engine::general_purpose::STANDARD.encode(&zip);
        let b64_unpadded = format!("  B64:{}\n", b64.trim_end_matches('='));
        let mut bom_json = b"\xEF\xBB\xBF\n ".to_vec();
        bom_json.extend_from_slice(&json);
        let forms = [
            (PayloadFormat::Zip, zip.clone()),
            (PayloadFormat::ZipLatin1, latin1(&zip)),
            (PayloadFormat::Base64Zip, format!("B64:{b64}").into_bytes()),
            (PayloadFormat::Base64Zip, b64_unpadded.into_bytes()),
            (PayloadFormat::Json, json.clone()),
        ];
        for (format, payload) in forms {
            let decoded = decode_payload(&payload)
                .unwrap_or_else(|e| panic!("{} as {format}: {e}", dir.display()));
            assert_eq!(decoded.format, format, "{}", dir.display());
            assert_eq!(decoded.json, json, "{} as {format}", dir.display());
            assert_eq!(decoded.document, expected_document);
        }
        // BOM and leading whitespace are dropped from the JSON text, the rest kept.
        let decoded = decode_payload(&bom_json).unwrap();
        assert_eq!(decoded.format, PayloadFormat::Json);
        assert_eq!(decoded.json, bom_json.get(3..).unwrap());
        assert_eq!(decoded.document, expected_document);

        // Our own encoding of the same JSON reads back the same.
        let ours = encode_payload(&json).unwrap();
        assert_eq!(decode_payload(&ours).unwrap().json, json);
    }
}

#[test]
fn rezipped_valid_decodes() {
    for suite in SUITES {
        let decoded = decode_payload(&payload_case(suite, "rezipped_valid.zip")).unwrap();
        assert_eq!(decoded.format, PayloadFormat::Zip);
        assert_eq!(
            decoded.json,
            read(format!("{STACK_SIGNED}/{suite}/cert-001/certificate.json"))
        );
    }
}

#[test]
fn truncated_zip_has_no_end_record() {
    for suite in SUITES {
        let err = decode_payload(&payload_case(suite, "truncated.zip")).unwrap_err();
        assert_eq!(err, PayloadError::NoEndOfCentralDirectory);
        assert_eq!(
            err.to_string(),
            "zip: end of central directory not found (truncated or not a zip)"
        );
    }
}

#[test]
fn zip_bomb_is_refused_by_its_declared_size() {
    for suite in SUITES {
        let err = decode_payload(&payload_case(suite, "zip_bomb.zip")).unwrap_err();
        assert_eq!(
            err,
            PayloadError::DeclaredTooLarge {
                name: "certificate.json",
                declared: 104_857_600,
                limit: 1_048_576
            }
        );
        // DIVOC's wording, byte for byte.
        assert_eq!(
            err.to_string(),
            "zip: certificate.json declares 104857600 bytes, over the 1048576-byte limit"
        );
    }
}

#[test]
fn zip_bomb_with_lying_headers_is_refused_while_inflating() {
    for suite in SUITES {
        let bomb = payload_case(suite, "zip_bomb_lying_header.zip");
        let err = decode_payload(&bomb).unwrap_err();
        assert_eq!(
            err,
            PayloadError::InflatesPastLimit {
                name: "certificate.json",
                limit: 1_048_576
            }
        );
        assert_eq!(
            err.to_string(),
            "zip: certificate.json inflates past the 1048576-byte limit (zip bomb?)"
        );
        // The bound is what the inflater produces, not what headers say:
        // a smaller limit stops it sooner, with that limit in the error.
        let small = Limits::DEFAULT.with_max_json(4096);
        assert_eq!(
            decode_payload_with(&bomb, &small).unwrap_err(),
            PayloadError::InflatesPastLimit {
                name: "certificate.json",
                limit: 4096
            }
        );
        // With a generous size limit, the ratio limit refuses it instead
        // (100 MiB from 100 KB is about 1000:1).
        let roomy = Limits::DEFAULT
            .with_max_json(200 * 1024 * 1024)
            .with_max_ratio(100);
        let err = decode_payload_with(&bomb, &roomy).unwrap_err();
        assert!(
            matches!(err, PayloadError::RatioExceeded { max_ratio: 100, .. }),
            "{err:?}"
        );
    }
}

#[test]
fn zip_bomb_is_refused_by_ratio_when_size_allows_it() {
    let roomy = Limits::DEFAULT
        .with_max_json(200 * 1024 * 1024)
        .with_max_ratio(100);
    let bomb = payload_case("rsa-v1", "zip_bomb.zip");
    match decode_payload_with(&bomb, &roomy).unwrap_err() {
        PayloadError::RatioExceeded {
            uncompressed,
            compressed,
            ..
        } => {
            assert_eq!(uncompressed, 104_857_600);
            assert!(compressed < 102_064);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_is_neither_zip_nor_json() {
    for suite in SUITES {
        let err = decode_payload(&payload_case(suite, "garbage.zip")).unwrap_err();
        assert!(matches!(err, PayloadError::NotZipOrJson { .. }), "{err:?}");
    }
}

#[test]
fn manifest_payload_cases_are_all_covered() {
    // Every payload case in the manifests must be one this file tests; a
    // new case added to the fixtures should fail here until it is.
    let known = [
        "truncated_zip",
        "zip_bomb",
        "zip_bomb_lying_header",
        "non_zip_garbage",
        "qr_random_text",
        "rezipped_valid",
    ];
    for suite in SUITES {
        let manifest: serde_json::Value = serde_json::from_slice(&read(format!(
            "{STACK_SIGNED}/{suite}-tampered/manifest.json"
        )))
        .unwrap();
        let mut cases = Vec::new();
        collect_payload_cases(&manifest, &mut cases);
        assert!(!cases.is_empty());
        for case in cases {
            assert!(
                known.contains(&case.as_str()),
                "untested payload case {case}"
            );
        }
    }
}

fn collect_payload_cases(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            let is_payload = map
                .get("id")
                .and_then(|id| id.as_str())
                .is_some_and(|id| id.starts_with("payload/"));
            if let (true, Some(case)) = (is_payload, map.get("case").and_then(|c| c.as_str())) {
                out.push(case.to_owned());
            }
            map.values().for_each(|v| collect_payload_cases(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_payload_cases(v, out)),
        _ => {}
    }
}

#[test]
fn qr_random_text_prefix_is_unsupported_not_garbage() {
    // The manifest's QR holds text starting "HC1:/DVRC10Z6LSU7RQK: GA";
    // decoding the PNG is the QR decoder's job, the text is ours.
    let err = decode_payload(b"HC1:/DVRC10Z6LSU7RQK: GA").unwrap_err();
    assert_eq!(err, PayloadError::UnsupportedFormat { prefix: "HC1:" });
    assert_eq!(err.to_string(), "HC1: payloads are not supported yet");
    assert_eq!(
        decode_payload(b"shc:/5676290952432060346029243740").unwrap_err(),
        PayloadError::UnsupportedFormat { prefix: "shc:/" }
    );
}
