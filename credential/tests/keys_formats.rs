//! Keys in every form DIVOC, W3C and OpenSSL write them, and every way a key
//! can be wrong.
//!
//! Expected values not taken from fixture files (thumbprints, base58 forms
//! of the OpenSSL key) were computed independently with Python's
//! `cryptography` 48 and `hashlib`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credential::{KeyAlgorithm, KeyError, PrivateKey, ProofError, PublicKey};
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{path}")).unwrap()
}

// An Ed25519 key made with `openssl genpkey -algorithm ED25519`.
const OPENSSL_ED25519_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIDiKd153N7VJf0G/Jb1MelYnvkQ2+zqWpqD7y/rNKdnw
-----END PRIVATE KEY-----
";
const OPENSSL_ED25519_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEADVsE+qWmyj5DaGR7nisdw1rOKTA6N64tBMj9x1LlRHw=
-----END PUBLIC KEY-----
";
const OPENSSL_ED25519_SEED_HEX: &str =
    "388a775e7737b5497f41bf25bd4c7a5627be4436fb3a96a6a0fbcbfacd29d9f0";
const OPENSSL_ED25519_X: &str = "DVsE-qWmyj5DaGR7nisdw1rOKTA6N64tBMj9x1LlRHw";
const OPENSSL_ED25519_D: &str = "OIp3Xnc3tUl_Qb8lvUx6Vie-RDb7OpamoPvL-s0p2fA";
const OPENSSL_ED25519_THUMBPRINT: &str = "bhJlg6EghorR3PB4jHLyZqfTQkmtePPMBPydQGBXQTU";
// Its seed, seed || public (tweetnacl's secret key), and public key in
// base58; its keys in multibase.
const OPENSSL_ED25519_SEED_B58: &str = "4oiHu8g2n3Tj4ZfdAR8C47kFC8PGgfp1ABYeWfRA1r39";
const OPENSSL_ED25519_PAIR_B58: &str =
    "28Zn7ggVdncXMemi7DUE2bLPbdVbzT3LRfa6Cm5ud1L2Hqzs1LLcvpAuZNGZbCePMvnfPp4wEvqTPgau5idUXijM";
const OPENSSL_ED25519_PUBLIC_B58: &str = "u8oHvRfK7XBNJSR8xSf9SkEu68dh8H7m7xbZvY9S6D9";
const OPENSSL_ED25519_PRIVATE_MULTIBASE: &str = "z3u2V2X5TFgC2NBfBxs1V31AjFJDDV9p63mfLxcex6SZnCm5";
const OPENSSL_ED25519_PUBLIC_MULTIBASE: &str = "z6MkfMPqtAg6ef1eUoH7pXQVzYJEifQV71XUT8sXQCWAMJzX";
// The seed followed by another key's public half (DIVOC stack-signed key).
const MISMATCHED_PAIR_B58: &str =
    "28Zn7ggVdncXMemi7DUE2bLPbdVbzT3LRfa6Cm5ud1L2HC8zxQ31U8LNM1sgUX6w2NYbn64QrNypypZZBMrEX6iH";
// PKCS#8 v2 with the seed and another key's public half.
const MISMATCHED_PKCS8_V2: &str = "-----BEGIN PRIVATE KEY-----
MFECAQEwBQYDK2VwBCIEIDiKd153N7VJf0G/Jb1MelYnvkQ2+zqWpqD7y/rNKdnwgSEAA6gmOOalLz03fJCjnotTmTK8RXQmaUfy23/8bhN+Oy4=
-----END PRIVATE KEY-----
";
// `openssl pkcs8 -topk8 -v2 aes256` of the key above.
const ENCRYPTED_PKCS8: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----
MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAh+FSQY0fCQjgICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEAEKtsFvJ3gSf0VKEEwM4HEEQG+g
OMJFRbAzQysJ2oRKcZ4fXB6YgjUHfA4NbF/m3iwG13YcZXsW7FxQ5gMz71cAdYLE
+ITBT7VAPHDSZVgo3+k=
-----END ENCRYPTED PRIVATE KEY-----
";

// A 2048-bit RSA key made with `openssl genpkey` (test use only), as
// PKCS#1 and its public halves as PKCS#1 and JWK.
const RSA_PKCS1_PRIVATE: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEAssiMc97FpAt1ZOQ9Xs5agv4PpGXvvDxQ2GiZYy63yyBRtl35
6XBq2HhwasMza3kqA90nEiFb1xZz5g6xckrwUaWnVBwwf3SE1daZHnjRqhjq8uVf
GKwh1q5KQDSC90d5tOScJXzJehiYNjLStVIncSO/rRQjgt5x4d6P/66czETwvQ3s
4Ve7k/8t+bBc5izYw/pP027nuMCEswOC7HTzIK80mHzxKU4USG+LSEbhsofuMcCg
/qX987ppo8JSsD04Db7ZmA9s4XJZK0OAyjTYn58AfE8FD5aAh9yZ6YiBUZMQvcGL
H3ncy3j66EZuXDXJYSkRhqHTtNOydUoAl7LFHQIDAQABAoIBAAZnshp48HE7r4bA
Djp435wXoIqrU+mqlTCPnMaFdwm0sctmtgGePgGyh5Us7Z5r0+zEA0vpEd/UkC3o
OFoSeRDKbm0lvmS5PAS84GBLrqKZVm+BzASiWWsAyaxfr+fOhyZ11envkiNI7B5t
od1joQHyvdb5pKUMtZ1Eio772+ZjLDxDydaa+pBH88El2IwhKehN96J+rXnhnDgT
9WSTQW6WidsCjvmSHH7kVR+7t1WF2D1IBQ9MNo/GKQHZAKa4niD3ay2dEy7MU9wF
VbRYleGF4nsSmCZdd8EdAM7fUoObTrkRYAGbTPfn3M2kfeiWdOQlatXL6EcWZivs
XGhtfZkCgYEA222mr1uYU/6MQqU8fI0/7aPXBvHu0n+tTVa9YuOS87DRNrMzTY6J
GSJ+U0sj3V4xFs50doxXF3Y5PQrNCnpRaFqy28nCL6nxp7Ums9AN//RKIfktb3CF
iaO6SMTzhE6uXDdeCBXkWFA/DFXun7iJCfzp5GWgvbdpEF7C2xsmGoUCgYEA0JSz
O+qtcPNQu8yBSMa3eFzkUNXWClAwj/l62tKKf4gAwuBYWeAM6IDUrXk+H1WeeX8z
KPxCbnJN9jLGbzX95AsDU2JQPdbjr9n7yy+HLevN98kFqnzFjiEHL3lzJ7SU8rSW
/EZdGAs7TvJxAaF7SQ1w8VZivnSNTfq9Ohk9n7kCgYAuAc6aI91LdyqXaqfFAaSu
wdR6600Eq6p9dbtduZN9Lsye6HHQSBtsvrO36SBK8M3gF0eJ96DnFW2o49Pb54uc
ErA/rwzdC4fUfwHvX6cfzGuitekV3YTSOBb93PWl/w1F3oIDtftbnO+rOXU/3eQ1
yOaNcdWDEaqguQ2n/Qg/NQKBgDXGIG9SEWUNVcMU9j/M+4AMctBkUMpX4i08JHBF
128JoSicrip9mNZYYHxYxatOZ4zrPkVSw821qmPOs1n4kXw5WqIktos623h6um+n
0TIFmRRIvy00/bmmyjNzHD0gUUZBSKvBeD66po+z8W56M06iKHwPyWVQpx1zh1Vz
LHABAoGACd14fTukFbQ3Jl2imKLSRMN6eYTOKKd6l+4IXgNkxU9sctLkO3D0kF2l
RKbBRm7X2MsWWGykd0IyxsY2Kx+udNygWeu/wDHgELN3yBe2R95aC4Qaz8CxQAeS
SjhlloCWlqhUXQgsht+2wur3RFu1bQq/F3eDbuC7m/a9RZs6Us8=
-----END RSA PRIVATE KEY-----
";
const RSA_PKCS1_PUBLIC: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAssiMc97FpAt1ZOQ9Xs5agv4PpGXvvDxQ2GiZYy63yyBRtl356XBq
2HhwasMza3kqA90nEiFb1xZz5g6xckrwUaWnVBwwf3SE1daZHnjRqhjq8uVfGKwh
1q5KQDSC90d5tOScJXzJehiYNjLStVIncSO/rRQjgt5x4d6P/66czETwvQ3s4Ve7
k/8t+bBc5izYw/pP027nuMCEswOC7HTzIK80mHzxKU4USG+LSEbhsofuMcCg/qX9
87ppo8JSsD04Db7ZmA9s4XJZK0OAyjTYn58AfE8FD5aAh9yZ6YiBUZMQvcGLH3nc
y3j66EZuXDXJYSkRhqHTtNOydUoAl7LFHQIDAQAB
-----END RSA PUBLIC KEY-----
";
const RSA_N: &str = "ssiMc97FpAt1ZOQ9Xs5agv4PpGXvvDxQ2GiZYy63yyBRtl356XBq2HhwasMza3kqA90nEiFb1xZz5g6xckrwUaWnVBwwf3SE1daZHnjRqhjq8uVfGKwh1q5KQDSC90d5tOScJXzJehiYNjLStVIncSO_rRQjgt5x4d6P_66czETwvQ3s4Ve7k_8t-bBc5izYw_pP027nuMCEswOC7HTzIK80mHzxKU4USG-LSEbhsofuMcCg_qX987ppo8JSsD04Db7ZmA9s4XJZK0OAyjTYn58AfE8FD5aAh9yZ6YiBUZMQvcGLH3ncy3j66EZuXDXJYSkRhqHTtNOydUoAl7LFHQ";
const RSA_D: &str = "BmeyGnjwcTuvhsAOOnjfnBegiqtT6aqVMI-cxoV3CbSxy2a2AZ4-AbKHlSztnmvT7MQDS-kR39SQLeg4WhJ5EMpubSW-ZLk8BLzgYEuuoplWb4HMBKJZawDJrF-v586HJnXV6e-SI0jsHm2h3WOhAfK91vmkpQy1nUSKjvvb5mMsPEPJ1pr6kEfzwSXYjCEp6E33on6teeGcOBP1ZJNBbpaJ2wKO-ZIcfuRVH7u3VYXYPUgFD0w2j8YpAdkAprieIPdrLZ0TLsxT3AVVtFiV4YXiexKYJl13wR0Azt9Sg5tOuRFgAZtM9-fczaR96JZ05CVq1cvoRxZmK-xcaG19mQ";
const RSA_P: &str = "222mr1uYU_6MQqU8fI0_7aPXBvHu0n-tTVa9YuOS87DRNrMzTY6JGSJ-U0sj3V4xFs50doxXF3Y5PQrNCnpRaFqy28nCL6nxp7Ums9AN__RKIfktb3CFiaO6SMTzhE6uXDdeCBXkWFA_DFXun7iJCfzp5GWgvbdpEF7C2xsmGoU";
const RSA_Q: &str = "0JSzO-qtcPNQu8yBSMa3eFzkUNXWClAwj_l62tKKf4gAwuBYWeAM6IDUrXk-H1WeeX8zKPxCbnJN9jLGbzX95AsDU2JQPdbjr9n7yy-HLevN98kFqnzFjiEHL3lzJ7SU8rSW_EZdGAs7TvJxAaF7SQ1w8VZivnSNTfq9Ohk9n7k";
const RSA_THUMBPRINT: &str = "XwfHo0ZsyyguCpwS9H5GGNZO_PHhQrgm-VIcUjQ1cls";

// Keys of kinds this crate does not read, made with `openssl genpkey`.
const P256_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgfWaYpGzuFdVc2dz5AcaiBk/U8A5
0pn6DRBqdXiZvChGBz9sXWBO5rHqyA8bjWHggkja+fL9ysHP4qLrNtKaCw==
-----END PUBLIC KEY-----
";
const X25519_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VuAyEAHEFquBIN1Vh3RprYcd4KzA03rmKg7q26ADIEusqE/U0=
-----END PUBLIC KEY-----
";
const RSA_1024_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCw45A8kjtlBXZ6C8QF3o1JMBgR
wm/KvdVKGXMi2YQMZSClYblt6r87dp7pgfrM6UXqRh7gp4t8fbhEpGMaGExP0sOP
+xMB9fRW7vp2HxArjASwL83voDFD322Ryh5JO4Jy/kfaltnB9eY42is9RiqPBI0F
fcYBgk5moU/wZkbOmQIDAQAB
-----END PUBLIC KEY-----
";

fn rsa_private_jwk() -> Value {
    json!({"kty": "RSA", "n": RSA_N, "e": "AQAB", "d": RSA_D, "p": RSA_P, "q": RSA_Q})
}

fn openssl_ed25519() -> PrivateKey {
    PrivateKey::from_pem(OPENSSL_ED25519_PKCS8).unwrap()
}

// ---------------------------------------------------------------- DIVOC keys

#[test]
fn divoc_stack_key_reads_the_same_from_pem_jwk_and_base58() {
    let dir = "divoc/stack-signed/ed25519-v2/key";
    let pem = PublicKey::from_pem(&fixture(&format!("{dir}/public.pem"))).unwrap();
    let jwk = PublicKey::from_jwk_str(&fixture(&format!("{dir}/public.jwk.json"))).unwrap();
    let b58 = PublicKey::from_base58(&fixture(&format!("{dir}/public.b58"))).unwrap();
    assert_eq!(pem, jwk);
    assert_eq!(pem, b58);
    assert_eq!(pem.algorithm(), KeyAlgorithm::Ed25519);
    for form in ["public.pem", "public.jwk.json", "public.b58"] {
        assert_eq!(
            PublicKey::parse_any(&fixture(&format!("{dir}/{form}"))).unwrap(),
            pem,
            "{form}"
        );
    }
    assert_eq!(
        pem.thumbprint(),
        "iFn7eUdeW6lnKARtSx-r-MXPfmxlVRkwLrbRHmStLew"
    );
    assert_eq!(
        pem.to_base58().unwrap(),
        fixture(&format!("{dir}/public.b58")).trim()
    );
    let jwk_fixture: Value =
        serde_json::from_str(&fixture(&format!("{dir}/public.jwk.json"))).unwrap();
    assert_eq!(pem.to_jwk(), jwk_fixture);
    assert_eq!(pem.to_pem().unwrap(), fixture(&format!("{dir}/public.pem")));
}

#[test]
fn divoc_rsa_keys_read_from_pem_and_jwk_including_a_one_line_pem() {
    let dir = "divoc/stack-signed/rsa-v1/key";
    let pem = PublicKey::from_pem(&fixture(&format!("{dir}/public.pem"))).unwrap();
    let jwk = PublicKey::from_jwk_str(&fixture(&format!("{dir}/public.jwk.json"))).unwrap();
    assert_eq!(pem, jwk);
    assert_eq!(pem.algorithm(), KeyAlgorithm::Rsa);
    let jwk_fixture: Value =
        serde_json::from_str(&fixture(&format!("{dir}/public.jwk.json"))).unwrap();
    assert_eq!(pem.to_jwk(), jwk_fixture);
    assert_eq!(PublicKey::from_pem(&pem.to_pem().unwrap()).unwrap(), pem);

    // DIVOC's development key file holds the base64 body on one line.
    let divoc = PublicKey::parse_any(&fixture("divoc/vectors/rsa-test-key.pem")).unwrap();
    assert_eq!(divoc.algorithm(), KeyAlgorithm::Rsa);
    assert_ne!(divoc, pem);
    let ed = PublicKey::parse_any(&fixture("divoc/vectors/ed25519-test-key.base58")).unwrap();
    assert_eq!(ed.algorithm(), KeyAlgorithm::Ed25519);
    assert_ne!(ed, divoc, "keys of different algorithms are never equal");
}

// ------------------------------------------------------------ W3C multikeys

#[test]
fn w3c_multikey_pair_reads_and_writes_back_exactly() {
    let pair: Value =
        serde_json::from_str(&fixture("w3c-vc-di-eddsa/TestVectors/keyPair.json")).unwrap();
    let public_text = pair["publicKeyMultibase"].as_str().unwrap();
    let private_text = pair["privateKeyMultibase"].as_str().unwrap();
    let public = PublicKey::from_multibase(public_text).unwrap();
    let private = PrivateKey::from_multibase(private_text).unwrap();
    assert_eq!(private.public_key(), public);
    assert_eq!(public.to_multibase().unwrap(), public_text);
    assert_eq!(PublicKey::parse_any(public_text).unwrap(), public);
    assert_eq!(
        PrivateKey::parse_any(private_text).unwrap().public_key(),
        public
    );

    let did = format!("did:key:{public_text}#{public_text}");
    assert_eq!(PublicKey::from_did_key(&did).unwrap(), public);
    assert_eq!(PublicKey::parse_any(&did).unwrap(), public);
    assert_eq!(
        PublicKey::from_did_key(&format!("did:key:{public_text}")).unwrap(),
        public
    );
    assert!(matches!(
        PublicKey::from_did_key(&format!("did:key:{public_text}#key-1")),
        Err(KeyError::DidKey { .. })
    ));
    assert!(matches!(
        PublicKey::from_did_key(&format!("did:web:{public_text}")),
        Err(KeyError::DidKey { .. })
    ));
}

// --------------------------------------------------------- OpenSSL Ed25519

#[test]
fn openssl_ed25519_key_reads_from_every_private_form() {
    let key = openssl_ed25519();
    let public = PublicKey::from_pem(OPENSSL_ED25519_SPKI).unwrap();
    assert_eq!(key.public_key(), public);
    assert_eq!(key.algorithm(), KeyAlgorithm::Ed25519);
    assert_eq!(public.thumbprint(), OPENSSL_ED25519_THUMBPRINT);
    assert_eq!(public.to_base58().unwrap(), OPENSSL_ED25519_PUBLIC_B58);
    assert_eq!(
        public.to_multibase().unwrap(),
        OPENSSL_ED25519_PUBLIC_MULTIBASE
    );
    assert_eq!(
        public.to_jwk(),
        json!({"crv": "Ed25519", "kty": "OKP", "x": OPENSSL_ED25519_X})
    );

    let seed: [u8; 32] = (0..32)
        .map(|i| u8::from_str_radix(&OPENSSL_ED25519_SEED_HEX[2 * i..2 * i + 2], 16).unwrap())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let jwk =
        json!({"kty": "OKP", "crv": "Ed25519", "x": OPENSSL_ED25519_X, "d": OPENSSL_ED25519_D});
    let forms = [
        PrivateKey::from_ed25519_seed(&seed),
        PrivateKey::from_base58(OPENSSL_ED25519_SEED_B58).unwrap(),
        PrivateKey::from_base58(OPENSSL_ED25519_PAIR_B58).unwrap(),
        PrivateKey::from_multibase(OPENSSL_ED25519_PRIVATE_MULTIBASE).unwrap(),
        PrivateKey::from_jwk(&jwk).unwrap(),
        PrivateKey::parse_any(OPENSSL_ED25519_PKCS8).unwrap(),
        PrivateKey::parse_any(OPENSSL_ED25519_PAIR_B58).unwrap(),
        PrivateKey::parse_any(OPENSSL_ED25519_SEED_B58).unwrap(),
        PrivateKey::parse_any(&jwk.to_string()).unwrap(),
        PrivateKey::parse_any(OPENSSL_ED25519_PRIVATE_MULTIBASE).unwrap(),
    ];
    for (index, form) in forms.iter().enumerate() {
        assert_eq!(form.public_key(), public, "form {index}");
        // Same key, same (deterministic) signature.
        assert_eq!(
            form.sign_detached_jws(b"payload").unwrap(),
            key.sign_detached_jws(b"payload").unwrap()
        );
    }
}

#[test]
fn private_keys_round_trip_through_pkcs8_pem() {
    for key in [
        openssl_ed25519(),
        PrivateKey::generate_ed25519().unwrap(),
        PrivateKey::from_pem(RSA_PKCS1_PRIVATE).unwrap(),
    ] {
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let again = PrivateKey::from_pem(&pem).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(again.algorithm(), key.algorithm());
    }
}

#[test]
fn generated_keys_differ_and_sign() {
    let a = PrivateKey::generate_ed25519().unwrap();
    let b = PrivateKey::generate_ed25519().unwrap();
    assert_ne!(a.public_key(), b.public_key());
    let jws = a.sign_detached_jws(b"trust list bytes").unwrap();
    a.public_key()
        .verify_detached_jws(&jws, b"trust list bytes")
        .unwrap();
    assert_eq!(
        b.public_key()
            .verify_detached_jws(&jws, b"trust list bytes"),
        Err(ProofError::BadSignature)
    );
    assert_eq!(
        a.public_key()
            .verify_detached_jws(&jws, b"trust list byteS"),
        Err(ProofError::BadSignature)
    );
}

// --------------------------------------------------------------------- RSA

#[test]
fn rsa_key_reads_from_pkcs1_pkcs8_and_jwk() {
    let key = PrivateKey::from_pem(RSA_PKCS1_PRIVATE).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::Rsa);
    let public = PublicKey::from_pem(RSA_PKCS1_PUBLIC).unwrap();
    assert_eq!(key.public_key(), public);
    assert_eq!(public.thumbprint(), RSA_THUMBPRINT);
    assert_eq!(
        PublicKey::from_pem(&public.to_pem().unwrap()).unwrap(),
        public
    );
    assert_eq!(
        public.to_jwk(),
        json!({"e": "AQAB", "kty": "RSA", "n": RSA_N})
    );
    assert_eq!(PublicKey::from_jwk(&public.to_jwk()).unwrap(), public);

    let from_jwk = PrivateKey::from_jwk(&rsa_private_jwk()).unwrap();
    assert_eq!(from_jwk.public_key(), public);
    // Without p and q the primes are recovered from d.
    let mut without_primes = rsa_private_jwk();
    without_primes.as_object_mut().unwrap().remove("p");
    without_primes.as_object_mut().unwrap().remove("q");
    assert_eq!(
        PrivateKey::from_jwk(&without_primes).unwrap().public_key(),
        public
    );

    // PS256 signatures are randomised (salt), and both verify.
    let first = key.sign_detached_jws(b"payload").unwrap();
    let second = from_jwk.sign_detached_jws(b"payload").unwrap();
    assert_ne!(first, second);
    assert!(first.starts_with("eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19.."));
    public.verify_detached_jws(&first, b"payload").unwrap();
    public.verify_detached_jws(&second, b"payload").unwrap();
    assert_eq!(
        public.verify_detached_jws(&first, b"payloaD"),
        Err(ProofError::BadSignature)
    );
}

#[test]
fn rsa_key_sizes_outside_2048_to_4096_are_refused() {
    assert!(matches!(
        PublicKey::from_pem(RSA_1024_SPKI),
        Err(KeyError::RsaKeySize { bits: 1024, .. })
    ));
    // A JWK modulus over 4096 bits is refused before any arithmetic, and
    // one of 8192 bits before it is even decoded.
    let large = URL_SAFE_NO_PAD.encode([0xffu8; 513]);
    assert!(matches!(
        PublicKey::from_jwk(&json!({"kty": "RSA", "n": large, "e": "AQAB"})),
        Err(KeyError::RsaKeySize { bits: 4104, .. })
    ));
    let huge = URL_SAFE_NO_PAD.encode([0xffu8; 1024]);
    assert!(matches!(
        PublicKey::from_jwk(&json!({"kty": "RSA", "n": huge, "e": "AQAB"})),
        Err(KeyError::TooLong { .. })
    ));
    let small = URL_SAFE_NO_PAD.encode([0xffu8; 128]);
    assert!(matches!(
        PublicKey::from_jwk(&json!({"kty": "RSA", "n": small, "e": "AQAB"})),
        Err(KeyError::RsaKeySize { bits: 1024, .. })
    ));
    // An even modulus of the right size is not a key.
    let mut even = URL_SAFE_NO_PAD.decode(RSA_N).unwrap();
    *even.last_mut().unwrap() &= 0xfe;
    assert!(matches!(
        PublicKey::from_jwk(
            &json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode(&even), "e": "AQAB"})
        ),
        Err(KeyError::InvalidRsaKey { .. })
    ));
}

// ------------------------------------------------------------ PEM failures

#[test]
fn pem_of_other_algorithms_and_mixed_up_labels_fail_precisely() {
    assert_eq!(
        PublicKey::from_pem(P256_SPKI).unwrap_err(),
        KeyError::UnsupportedAlgorithm {
            oid: "1.2.840.10045.2.1".into()
        }
    );
    assert_eq!(
        PublicKey::from_pem(X25519_SPKI).unwrap_err(),
        KeyError::UnsupportedAlgorithm {
            oid: "1.3.101.110".into()
        }
    );
    // A PKCS#1 body under the SPKI label, and the other way round.
    let pkcs1_as_spki = RSA_PKCS1_PUBLIC.replace("RSA PUBLIC KEY", "PUBLIC KEY");
    assert!(matches!(
        PublicKey::from_pem(&pkcs1_as_spki),
        Err(KeyError::Der { .. })
    ));
    let spki = fixture("divoc/stack-signed/rsa-v1/key/public.pem");
    let spki_as_pkcs1 = spki.replace("PUBLIC KEY", "RSA PUBLIC KEY");
    assert!(matches!(
        PublicKey::from_pem(&spki_as_pkcs1),
        Err(KeyError::Der { .. })
    ));
    let pkcs1_as_pkcs8 = RSA_PKCS1_PRIVATE.replace("RSA PRIVATE KEY", "PRIVATE KEY");
    assert!(matches!(
        PrivateKey::from_pem(&pkcs1_as_pkcs8),
        Err(KeyError::Der { .. })
    ));
    // Private where public is expected, and the other way round.
    assert_eq!(
        PublicKey::from_pem(OPENSSL_ED25519_PKCS8).unwrap_err(),
        KeyError::ExpectedPublicKey
    );
    assert_eq!(
        PublicKey::from_pem(RSA_PKCS1_PRIVATE).unwrap_err(),
        KeyError::ExpectedPublicKey
    );
    assert_eq!(
        PrivateKey::from_pem(OPENSSL_ED25519_SPKI).unwrap_err(),
        KeyError::ExpectedPrivateKey
    );
    assert_eq!(
        PrivateKey::from_pem(ENCRYPTED_PKCS8).unwrap_err(),
        KeyError::EncryptedPrivateKey
    );
    assert_eq!(
        PrivateKey::from_pem(MISMATCHED_PKCS8_V2).unwrap_err(),
        KeyError::MismatchedKeyPair
    );
    let certificate = OPENSSL_ED25519_SPKI.replace("PUBLIC KEY", "CERTIFICATE");
    assert_eq!(
        PublicKey::from_pem(&certificate).unwrap_err(),
        KeyError::UnexpectedPemLabel {
            found: "CERTIFICATE".into()
        }
    );
    // Broken armour or base64, and a truncated DER body.
    let bad_base64 = OPENSSL_ED25519_SPKI.replace("MCow", "M*ow");
    assert!(matches!(
        PublicKey::from_pem(&bad_base64),
        Err(KeyError::Pem { .. })
    ));
    let no_footer = OPENSSL_ED25519_SPKI.replace("-----END PUBLIC KEY-----", "");
    assert!(matches!(
        PublicKey::from_pem(&no_footer),
        Err(KeyError::Pem { .. })
    ));
    let truncated = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEADVsE+qWmyj5DaGR7nisdw1rO\n-----END PUBLIC KEY-----\n";
    assert!(matches!(
        PublicKey::from_pem(truncated),
        Err(KeyError::Der { .. })
    ));
}

// ------------------------------------------------- raw and base58 failures

#[test]
fn ed25519_bytes_of_the_wrong_length_or_off_the_curve_fail() {
    assert_eq!(
        PublicKey::from_ed25519_bytes(&[7u8; 31]).unwrap_err(),
        KeyError::WrongLength {
            what: "Ed25519 public key",
            expected: 32,
            found: 31
        }
    );
    // y = 2 has no x on the curve (x^2 is not a square mod p).
    let mut off_curve = [0u8; 32];
    off_curve[0] = 2;
    assert_eq!(
        PublicKey::from_ed25519_bytes(&off_curve).unwrap_err(),
        KeyError::InvalidEd25519Key
    );
    // The identity point (y = 1) has order 1.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(
        PublicKey::from_ed25519_bytes(&identity).unwrap_err(),
        KeyError::WeakKey
    );
    assert!(matches!(
        PrivateKey::from_ed25519_bytes(&[1u8; 48]),
        Err(KeyError::WrongLength { found: 48, .. })
    ));
}

#[test]
fn base58_failures_are_precise() {
    // 0, O, I and l are not base58 digits.
    assert_eq!(
        PublicKey::from_base58("0GwEz83rRge9x3Y2GuCotWBHN87JaRVMFwFfZkuRUC5").unwrap_err(),
        KeyError::Base58
    );
    // 31 bytes.
    let short = bs58::encode([9u8; 31]).into_string();
    assert!(matches!(
        PublicKey::from_base58(&short),
        Err(KeyError::WrongLength { found: 31, .. })
    ));
    assert!(matches!(
        PublicKey::from_base58(&"2".repeat(500)),
        Err(KeyError::TooLong { .. })
    ));
    assert_eq!(
        PrivateKey::from_base58(MISMATCHED_PAIR_B58).unwrap_err(),
        KeyError::MismatchedKeyPair
    );
}

#[test]
fn multibase_failures_are_precise() {
    // Base16 ('f') is valid multibase but not what Multikey uses.
    assert!(matches!(
        PublicKey::from_multibase("fed01abcdef"),
        Err(KeyError::Multibase { .. })
    ));
    // secp256k1-pub (0xe7 0x01).
    assert_eq!(
        PublicKey::from_multibase("zQ3shNJvZ8eQLDrDbkZgfyPgJMUij3qcFU6Tqf9d3b74ogUZR").unwrap_err(),
        KeyError::UnsupportedMulticodec {
            found: 0xe7,
            second: 0x01
        }
    );
    assert_eq!(
        PublicKey::from_multibase(OPENSSL_ED25519_PRIVATE_MULTIBASE).unwrap_err(),
        KeyError::ExpectedPublicKey
    );
    assert_eq!(
        PrivateKey::from_multibase(OPENSSL_ED25519_PUBLIC_MULTIBASE).unwrap_err(),
        KeyError::ExpectedPrivateKey
    );
    // An ed25519-pub prefix with 31 key bytes.
    let mut short = vec![0xed, 0x01];
    short.extend_from_slice(&[5u8; 31]);
    assert!(matches!(
        PublicKey::from_multibase(&format!("z{}", bs58::encode(short).into_string())),
        Err(KeyError::WrongLength { found: 31, .. })
    ));
}

// ------------------------------------------------------------ JWK failures

#[test]
fn jwk_members_must_fit_a_signature_key() {
    let ok = json!({"kty": "OKP", "crv": "Ed25519", "x": OPENSSL_ED25519_X});
    let with = |member: &str, value: Value| {
        let mut jwk = ok.clone();
        jwk[member] = value;
        PublicKey::from_jwk(&jwk)
    };
    assert!(PublicKey::from_jwk(&ok).is_ok());
    assert!(with("alg", json!("EdDSA")).is_ok());
    assert!(with("use", json!("sig")).is_ok());
    assert!(with("key_ops", json!(["verify"])).is_ok());
    assert!(
        with("kid", json!("did:india")).is_ok(),
        "kid is not checked"
    );

    assert_eq!(
        with("crv", json!("X25519")).unwrap_err(),
        KeyError::UnsupportedJwk {
            member: "crv",
            found: "X25519".into()
        }
    );
    assert_eq!(
        with("kty", json!("EC")).unwrap_err(),
        KeyError::UnsupportedJwk {
            member: "kty",
            found: "EC".into()
        }
    );
    assert_eq!(
        with("alg", json!("PS256")).unwrap_err(),
        KeyError::UnsupportedJwk {
            member: "alg",
            found: "PS256".into()
        }
    );
    assert_eq!(
        with("use", json!("enc")).unwrap_err(),
        KeyError::UnsupportedJwk {
            member: "use",
            found: "enc".into()
        }
    );
    assert!(matches!(
        with("key_ops", json!(["encrypt"])),
        Err(KeyError::UnsupportedJwk {
            member: "key_ops",
            ..
        })
    ));
    assert!(matches!(
        with("x", json!(format!("{OPENSSL_ED25519_X}="))),
        Err(KeyError::Base64 { member: "x" })
    ));
    assert!(matches!(
        with("x", json!(OPENSSL_ED25519_X.replace('-', "+"))),
        Err(KeyError::Base64 { member: "x" })
    ));
    assert!(matches!(
        with("x", json!(URL_SAFE_NO_PAD.encode([1u8; 33]))),
        Err(KeyError::WrongLength { found: 33, .. })
    ));
    assert_eq!(
        with("x", json!(42)).unwrap_err(),
        KeyError::JwkMember {
            member: "x",
            problem: "not a string"
        }
    );
    assert_eq!(
        with("key_ops", json!("verify")).unwrap_err(),
        KeyError::JwkMember {
            member: "key_ops",
            problem: "not an array"
        }
    );
    assert_eq!(
        with("d", json!(OPENSSL_ED25519_D)).unwrap_err(),
        KeyError::ExpectedPublicKey
    );
    assert_eq!(
        PublicKey::from_jwk(&json!({"kty": "OKP", "crv": "Ed25519"})).unwrap_err(),
        KeyError::JwkMember {
            member: "x",
            problem: "missing"
        }
    );
    assert_eq!(
        PublicKey::from_jwk(&json!({"crv": "Ed25519", "x": OPENSSL_ED25519_X})).unwrap_err(),
        KeyError::JwkMember {
            member: "kty",
            problem: "missing"
        }
    );
    assert!(matches!(
        PublicKey::from_jwk(&json!([ok])),
        Err(KeyError::Jwk { .. })
    ));
    assert!(matches!(
        PublicKey::from_jwk_str("{not json"),
        Err(KeyError::Jwk { .. })
    ));

    // RSA: PS256 only, and a private JWK is not a public key.
    let rsa = json!({"kty": "RSA", "n": RSA_N, "e": "AQAB", "alg": "RS256"});
    assert_eq!(
        PublicKey::from_jwk(&rsa).unwrap_err(),
        KeyError::UnsupportedJwk {
            member: "alg",
            found: "RS256".into()
        }
    );
    assert_eq!(
        PublicKey::from_jwk(&rsa_private_jwk()).unwrap_err(),
        KeyError::ExpectedPublicKey
    );
}

#[test]
fn private_jwks_must_be_consistent() {
    let other_x = "A6gmOOalLz03fJCjnotTmTK8RXQmaUfy23_8bhN-Oy4";
    assert_eq!(
        PrivateKey::from_jwk(
            &json!({"kty": "OKP", "crv": "Ed25519", "x": other_x, "d": OPENSSL_ED25519_D})
        )
        .unwrap_err(),
        KeyError::MismatchedKeyPair
    );
    assert_eq!(
        PrivateKey::from_jwk(&json!({"kty": "OKP", "crv": "Ed25519", "x": OPENSSL_ED25519_X}))
            .unwrap_err(),
        KeyError::ExpectedPrivateKey
    );
    let mut only_p = rsa_private_jwk();
    only_p.as_object_mut().unwrap().remove("q");
    assert!(matches!(
        PrivateKey::from_jwk(&only_p),
        Err(KeyError::Jwk { .. })
    ));
    // A d that does not belong to n.
    let mut wrong_d = rsa_private_jwk();
    wrong_d["d"] = json!(RSA_P);
    assert!(matches!(
        PrivateKey::from_jwk(&wrong_d),
        Err(KeyError::InvalidRsaKey { .. })
    ));
}

#[test]
fn parse_any_refuses_what_it_does_not_recognise() {
    assert_eq!(
        PublicKey::parse_any("hello, world").unwrap_err(),
        KeyError::UnrecognisedFormat
    );
    assert_eq!(
        PublicKey::parse_any("").unwrap_err(),
        KeyError::UnrecognisedFormat
    );
    assert!(matches!(
        PublicKey::parse_any(&"A".repeat(100_000)),
        Err(KeyError::TooLong { .. })
    ));
    assert!(matches!(
        PrivateKey::parse_any(&format!(
            "{{\"kty\":\"OKP\",\"pad\":\"{}\"}}",
            "x".repeat(20_000)
        )),
        Err(KeyError::TooLong { .. })
    ));
}

// --------------------------------------------------------------- redaction

#[test]
fn debug_output_of_private_keys_holds_no_key_material() {
    let ed = openssl_ed25519();
    let rsa = PrivateKey::from_pem(RSA_PKCS1_PRIVATE).unwrap();
    for (key, secrets) in [
        (
            &ed,
            vec![
                OPENSSL_ED25519_SEED_HEX.to_owned(),
                OPENSSL_ED25519_D.to_owned(),
                OPENSSL_ED25519_SEED_B58.to_owned(),
                "OIp3Xnc3".to_owned(),
                // Seed bytes as Rust prints arrays.
                "56, 138, 119".to_owned(),
                OPENSSL_ED25519_X.to_owned(),
            ],
        ),
        (
            &rsa,
            vec![
                RSA_D[..16].to_owned(),
                RSA_P[..16].to_owned(),
                RSA_N[..16].to_owned(),
            ],
        ),
    ] {
        let debug = format!("{key:?}");
        let pretty = format!("{key:#?}");
        assert!(debug.starts_with("PrivateKey"), "{debug}");
        for secret in &secrets {
            assert!(!debug.contains(secret.as_str()), "{debug} leaks {secret}");
            assert!(!pretty.contains(secret.as_str()), "{pretty} leaks {secret}");
        }
        // Nothing long enough to be key material at all.
        assert!(debug.len() < 64, "{debug}");
    }
}
