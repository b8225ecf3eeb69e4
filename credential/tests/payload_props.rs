//! Properties of the payload codec: round trips for arbitrary JSON, and no
//! panic (and no wrong answer) on arbitrary or mutated input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers and strategies: a broken fixture should fail loudly"
)]

use base64::Engine as _;
use credential::{
    Limits, PayloadError, PayloadFormat, decode_payload, decode_payload_with, encode_payload,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

const DIVOC_ZIP: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed/rsa-v1/cert-001/certificate.zip"
));
const DIVOC_JSON: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed/rsa-v1/cert-001/certificate.json"
));

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z]{0,3}\\\\[\"\\\\/bfnrtu]{0,3}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A certificate-shaped document: always an object at the top.
fn json_document() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((any::<String>(), json_value()), 0..8),
        any::<bool>(),
    )
        .prop_map(|(pairs, pretty)| {
            let doc = Value::Object(pairs.into_iter().collect());
            if pretty {
                serde_json::to_vec_pretty(&doc).unwrap()
            } else {
                serde_json::to_vec(&doc).unwrap()
            }
        })
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit { at: usize, bit: u8 },
    SetByte { at: usize, byte: u8 },
    Truncate { len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Remove { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
        any::<usize>().prop_map(|len| Mutation::Truncate { len }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1..16usize).prop_map(|(at, len)| Mutation::Remove { at, len }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len().max(1);
    match m {
        Mutation::FlipBit { at, bit } => {
            if let Some(b) = bytes.get_mut(at % n) {
                *b ^= 1 << bit;
            }
        }
        Mutation::SetByte { at, byte } => {
            if let Some(b) = bytes.get_mut(at % n) {
                *b = *byte;
            }
        }
        Mutation::Truncate { len } => bytes.truncate(len % n),
        Mutation::Insert { at, bytes: new } => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        Mutation::Remove { at, len } => {
            let at = at % n;
            let end = (at + len).min(bytes.len());
            if at < end {
                bytes.drain(at..end);
            }
        }
    }
}

fn latin1(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| char::from(b))
        .collect::<String>()
        .into_bytes()
}

/// A decode result is acceptable for a mutated payload if it failed, or if
/// it produced exactly the original JSON: a CRC-32 and cross-checked
/// headers should leave no way to read different bytes.
fn assert_errs_or_original(
    result: Result<credential::DecodedPayload, PayloadError>,
    original: &[u8],
) {
    if let Ok(decoded) = result {
        assert_eq!(
            decoded.json, original,
            "a mutated payload decoded to different JSON"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_gives_back_the_json(json in json_document()) {
        let zip = encode_payload(&json).unwrap();
        let decoded = decode_payload(&zip).unwrap();
        prop_assert_eq!(decoded.format, PayloadFormat::Zip);
        prop_assert_eq!(&decoded.json, &json);
        let reparsed: Value = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(&decoded.document, &reparsed);
        // Deterministic.
        prop_assert_eq!(encode_payload(&json).unwrap(), zip.clone());
        // Every other form of the same archive, and the bare JSON.
        let latin = decode_payload(&latin1(&zip)).unwrap();
        prop_assert!(matches!(latin.format, PayloadFormat::ZipLatin1 | PayloadFormat::Zip));
        prop_assert_eq!(latin.json, json.clone());
        let b64 = format!("B64:{}", base64::engine::general_purpose::STANDARD.encode(&zip));
        prop_assert_eq!(decode_payload(b64.as_bytes()).unwrap().json, json.clone());
        prop_assert_eq!(decode_payload(&json).unwrap().json, json);
    }

    #[test]
    fn json_limit_is_exact(json in json_document(), limit in 2usize..4096) {
        let zip = encode_payload(&json).unwrap();
        let limits = Limits::DEFAULT.with_max_json(limit);
        match decode_payload_with(&zip, &limits) {
            Ok(decoded) => prop_assert!(json.len() <= limit && decoded.json == json),
            Err(PayloadError::DeclaredTooLarge { declared, limit: l, .. }) => {
                prop_assert!(json.len() > limit);
                prop_assert_eq!((declared, l), (json.len() as u64, limit));
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn decode_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = decode_payload(&bytes);
    }

    #[test]
    fn decode_never_panics_on_prefixed_strings(
        prefix in prop::sample::select(vec!["PK\u{3}\u{4}", "B64:", " B64: ", "HC1:", "shc:/", "{", "[", "\u{feff}{", "\u{feff}", "PK\u{5}\u{6}"]),
        rest in any::<String>(),
        raw in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let _ = decode_payload(format!("{prefix}{rest}").as_bytes());
        let mut bytes = prefix.as_bytes().to_vec();
        bytes.extend_from_slice(&raw);
        let _ = decode_payload(&bytes);
    }

    #[test]
    fn mutated_divoc_zip_errs_or_yields_the_original(
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut zip = DIVOC_ZIP.to_vec();
        for m in &mutations {
            apply(&mut zip, m);
        }
        assert_errs_or_original(decode_payload(&zip), DIVOC_JSON);
        assert_errs_or_original(decode_payload(&latin1(&zip)), DIVOC_JSON);
        let b64 = format!("B64:{}", base64::engine::general_purpose::STANDARD.encode(&zip));
        assert_errs_or_original(decode_payload(b64.as_bytes()), DIVOC_JSON);
    }

    #[test]
    fn mutated_encoded_zip_errs_or_yields_the_original(
        json in json_document(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut zip = encode_payload(&json).unwrap();
        for m in &mutations {
            apply(&mut zip, m);
        }
        assert_errs_or_original(decode_payload(&zip), &json);
    }

    #[test]
    fn mutated_text_forms_never_panic(
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let b64 = format!("B64:{}", base64::engine::general_purpose::STANDARD.encode(DIVOC_ZIP));
        let mut forms = [latin1(DIVOC_ZIP), b64.into_bytes(), DIVOC_JSON.to_vec()];
        for form in &mut forms {
            for m in &mutations {
                apply(form, m);
            }
            let _ = decode_payload(form);
        }
    }
}
