//! JCS (RFC 8785) against the RFC's own examples and the W3C eddsa-jcs-2022
//! vectors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use credential::jcs_canonicalize;
use serde_json::{Number, Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{path}")).unwrap()
}

/// RFC 8785 section 3.2.2, the example input and its canonical form.
#[test]
fn rfc8785_section_3_2_2_example() {
    let input = r#"{
        "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
    }"#;
    let value: Value = serde_json::from_str(input).unwrap();
    assert_eq!(
        jcs_canonicalize(&value).unwrap(),
        r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
    );
}

/// RFC 8785 section 3.2.3: properties sorted by UTF-16 code units, so the
/// emoji (a surrogate pair, 0xD83D...) sorts before U+FB33.
#[test]
fn rfc8785_section_3_2_3_sorting_by_utf16_code_units() {
    let input = r#"{
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\ud83d\ude00": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    let value: Value = serde_json::from_str(input).unwrap();
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
                    \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
                    \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(jcs_canonicalize(&value).unwrap(), expected);
}

/// RFC 8785 appendix B: IEEE-754 bit patterns and their ECMAScript form.
#[test]
fn rfc8785_appendix_b_numbers() {
    let table: [(u64, &str); 25] = [
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
        (0x3ff0000000000000, "1"),
    ];
    for (bits, expected) in table {
        let number = Number::from_f64(f64::from_bits(bits)).unwrap();
        assert_eq!(
            jcs_canonicalize(&Value::Number(number)).unwrap(),
            expected,
            "{bits:#018x}"
        );
    }
    // Integers are doubles too: 2^53 + 1 rounds as JavaScript rounds it.
    assert_eq!(
        jcs_canonicalize(&json!(9007199254740993u64)).unwrap(),
        "9007199254740992"
    );
    assert_eq!(jcs_canonicalize(&json!(-42)).unwrap(), "-42");
}

#[test]
fn whitespace_and_order_never_change_the_canonical_form() {
    let a: Value = serde_json::from_str(r#"{"b":[1,{"y":2,"x":1}],"a":"é"}"#).unwrap();
    let b: Value =
        serde_json::from_str("{ \"a\" : \"\\u00e9\" ,\n \"b\" : [ 1.0 , { \"x\":1, \"y\":2 } ] }")
            .unwrap();
    assert_eq!(jcs_canonicalize(&a).unwrap(), jcs_canonicalize(&b).unwrap());
    assert_eq!(
        jcs_canonicalize(&a).unwrap(),
        r#"{"a":"é","b":[1,{"x":1,"y":2}]}"#
    );
    // A different value gives a different form.
    let c: Value = serde_json::from_str(r#"{"a":"e","b":[1,{"x":1,"y":2}]}"#).unwrap();
    assert_ne!(jcs_canonicalize(&a).unwrap(), jcs_canonicalize(&c).unwrap());
}

/// W3C vc-di-eddsa eddsa-jcs-2022: the unsigned credential and the proof
/// configuration canonicalize to the vector's intermediates, byte for byte.
#[test]
fn w3c_eddsa_jcs_2022_canonical_forms() {
    let base = "w3c-vc-di-eddsa/TestVectors";
    let unsigned: Value = serde_json::from_str(&fixture(&format!("{base}/unsigned.json"))).unwrap();
    assert_eq!(
        jcs_canonicalize(&unsigned).unwrap(),
        fixture(&format!("{base}/eddsa-jcs-2022/canonDocJCS.txt"))
    );
    let config: Value = serde_json::from_str(&fixture(&format!(
        "{base}/eddsa-jcs-2022/proofConfigJCS.json"
    )))
    .unwrap();
    assert_eq!(
        jcs_canonicalize(&config).unwrap(),
        fixture(&format!("{base}/eddsa-jcs-2022/proofCanonJCS.txt"))
    );
}
