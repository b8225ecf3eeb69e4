//! Writes the seed corpora of `trust_list`, `revocation_list`,
//! `rules_list`, `image_payload` and `frame_payload`
//! (`corpus/<target>/seed-*`).
//! Deterministic: run it again and git shows no change.
//!
//! `cargo run --release --example make_seeds` (in `fuzz/`; stable is fine).
//!
//! - Lists are signed with the targets' fixed anchor (`ANCHOR_SEED`), so the
//!   fuzzer starts from inputs that pass the signature check.
//! - Images and frames are DIVOC's QR codes (`tests/fixtures/divoc`) cut
//!   down to one or two pixels per module: image decoding and the QR
//!   cascade cost per pixel, and small seeds keep thousands of runs a
//!   minute. Each is checked to still decode before it is written.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a seed maker")]

use std::path::{Path, PathBuf};

use credential::{
    IssuerRevocations, KeyStatus, PrivateKey, PublicKey, RevocationList, RiceSet, TrustList,
    TrustedContext, TrustedIssuer, TrustedKey,
};
use image::{GrayImage, ImageFormat, Luma};
use jiff::Timestamp;
use serde_json::json;
use verifier_wasm::qr;

/// Must equal `fuzz_targets/common/mod.rs`'s `ANCHOR_SEED`.
const ANCHOR_SEED: [u8; 32] = [0xA7; 32];

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/divoc");

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    eprintln!("{target}/seed-{name}: {} bytes", bytes.len());
}

fn fixture_key(path: &str) -> PublicKey {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{path}")).unwrap();
    PublicKey::parse_any(text.trim()).unwrap()
}

fn key(kid: &str, public_key: PublicKey, status: KeyStatus, until: Option<&str>) -> TrustedKey {
    TrustedKey {
        kid: kid.to_owned(),
        public_key,
        valid_from: ts("2021-01-01T00:00:00Z"),
        valid_until: until.map(ts),
        status,
    }
}

fn trust_list(anchor: &PrivateKey) {
    let t = "trust_list";
    let ed = fixture_key("stack-signed/ed25519-v2/key/public.pem");
    let rsa = fixture_key("stack-signed/rsa-v1/key/public.pem");
    let divoc = fixture_key("vectors/ed25519-test-key.base58");
    let full = TrustList::new(
        7,
        ts("2026-11-27T00:00:00Z"),
        ts("2026-11-28T00:00:00Z"),
        vec![
            TrustedIssuer {
                id: "https://moh.example.org/".into(),
                name: "Ministry of Health".into(),
                country: "IN".into(),
                keys: vec![
                    key("did:example:moh#key-1", ed, KeyStatus::Active, None),
                    key(
                        "did:example:moh#key-0",
                        divoc.clone(),
                        KeyStatus::Retired,
                        Some("2021-06-30T00:00:00Z"),
                    ),
                    key(
                        "did:example:moh#key-leaked",
                        PrivateKey::from_ed25519_seed(&[3; 32]).public_key(),
                        KeyStatus::Compromised {
                            since: ts("2022-02-01T00:00:00Z"),
                        },
                        None,
                    ),
                ],
            },
            TrustedIssuer {
                id: "https://cowin.gov.in/".into(),
                name: "CoWIN".into(),
                country: "IN".into(),
                keys: vec![key("did:india", rsa, KeyStatus::Active, None)],
            },
            // DIVOC's default key id under a second issuer.
            TrustedIssuer {
                id: "https://divoc.dev/".into(),
                name: "DIVOC demo".into(),
                country: String::new(),
                keys: vec![key("did:india", divoc, KeyStatus::Active, None)],
            },
        ],
        vec![TrustedContext {
            url: "https://example.org/credentials/extra/v1".into(),
            document: json!({"@context": {
                "@version": 1.1,
                "ex": "https://example.org/vocab#",
                "booster": {"@id": "ex:booster", "@type": "http://www.w3.org/2001/XMLSchema#integer"}
            }}),
        }],
    )
    .unwrap();
    write(t, "full.json", &full.sign(anchor).unwrap());
    let empty = TrustList::new(
        1,
        ts("2026-11-27T00:00:00Z"),
        ts("2026-11-28T00:00:00Z"),
        vec![],
        vec![],
    )
    .unwrap();
    write(t, "empty.json", &empty.sign(anchor).unwrap());
    // Signed by a key the target does not pin: the unknown-anchor path.
    let stranger = PrivateKey::from_ed25519_seed(&[0x11; 32]);
    write(t, "other-anchor.json", &empty.sign(&stranger).unwrap());
    // An anchor rotation announced: the nextAnchor member.
    let announcing = empty
        .with_next_anchor(PrivateKey::from_ed25519_seed(&[0x12; 32]).public_key())
        .unwrap();
    write(t, "next-anchor.json", &announcing.sign(anchor).unwrap());
}

fn rules_list(anchor: &PrivateKey) {
    use credential::{Rule, RuleCondition, RulesList};
    let rule = |id: &str, text: &str, require: RuleCondition| Rule {
        id: id.into(),
        text: text.into(),
        translations: Default::default(),
        require,
    };
    let mut complete = rule("complete", "Vaccination schedule complete", RuleCondition::ScheduleComplete);
    complete.translations.insert("hi".into(), "टीकाकरण पूरा".into());
    let full = RulesList::new(
        3,
        ts("2026-11-27T00:00:00Z"),
        ts("2026-11-28T00:00:00Z"),
        "IN".into(),
        "India, entry".into(),
        vec![
            complete,
            rule("doses", "At least two doses", RuleCondition::MinDoses(2)),
            rule("recent", "Last dose within 270 days", RuleCondition::MaxDaysSinceLastDose(270)),
            rule("settled", "Last dose at least 14 days ago", RuleCondition::MinDaysSinceLastDose(14)),
            rule(
                "vaccines",
                "An approved vaccine",
                RuleCondition::VaccineIn(vec!["COVISHIELD".into(), "COVAXIN".into()]),
            ),
            rule("adult", "Aged 18 or over", RuleCondition::MinAge(18)),
            rule("age", "Aged 65 or under", RuleCondition::MaxAge(65)),
        ],
    )
    .unwrap();
    write("rules_list", "full.json", &full.sign(anchor).unwrap());
    let venue = RulesList::new(
        1,
        ts("2026-11-27T00:00:00Z"),
        ts("2026-11-28T00:00:00Z"),
        "venue-xx".into(),
        String::new(),
        vec![],
    )
    .unwrap();
    write("rules_list", "empty.json", &venue.sign(anchor).unwrap());
}

fn revocation_list(anchor: &PrivateKey) {
    let t = "revocation_list";
    let list_seed = |name: &str, list: &RevocationList| {
        let mut bytes = vec![1];
        bytes.extend(list.sign(anchor).unwrap());
        write(t, name, &bytes);
    };
    let set_seed = |name: &str, keys: Vec<u64>| {
        let mut bytes = vec![0];
        bytes.extend(RiceSet::from_keys(keys).encode());
        write(t, name, &bytes);
    };
    let moh = "https://moh.example.org/";
    let mut revoked_ids: Vec<String> = (0..300u64)
        .map(|i| (15_295_081_141 + i * 7_919_993).to_string())
        .collect();
    revoked_ids.push("C-2021-0001".into());
    let mut entry = IssuerRevocations::from_ids(
        moh,
        revoked_ids.iter().map(String::as_str),
        [("37399986019", ts("2027-01-01T00:00:00Z"))],
    );
    entry.status_lists = vec![(
        "https://moh.example.org/status/1".into(),
        RiceSet::from_keys((0..200).map(|i| i * i * 31 + 5).collect()),
    )];
    let snapshot = RevocationList {
        version: 1,
        issued_at: ts("2026-11-27T00:00:00Z"),
        next_update: ts("2026-11-28T00:00:00Z"),
        since: None,
        issuers: vec![
            entry,
            IssuerRevocations::from_ids("https://cowin.gov.in/", ["20012887902"], []),
        ],
    };
    list_seed("list-snapshot.json", &snapshot);
    // One issuer named twice, each entry revoking its own ids and indices:
    // a store must keep both (it once kept only the last).
    let mut again = IssuerRevocations::from_ids(moh, ["15295081999", "X-9"], []);
    again.status_lists = vec![(
        "https://moh.example.org/status/1".into(),
        RiceSet::from_keys(vec![7, 8]),
    )];
    let repeated = RevocationList {
        issuers: vec![
            IssuerRevocations::from_ids(moh, ["20012887902", "C-1"], []),
            again,
        ],
        ..snapshot.clone()
    };
    list_seed("list-repeated-issuer.json", &repeated);
    let mut delta_entry = IssuerRevocations::from_ids(moh, ["98706670095", "X-7"], []);
    delta_entry.unsuspended = vec![credential::revocation_hash_key(moh, "37399986019")];
    let delta = RevocationList {
        version: 2,
        issued_at: ts("2026-11-28T00:00:00Z"),
        next_update: ts("2026-11-29T00:00:00Z"),
        since: Some(1),
        issuers: vec![delta_entry],
    };
    list_seed("list-delta.json", &delta);

    set_seed("set-empty", vec![]);
    // Three blocks of 11-digit ids, gaps of varying size.
    set_seed(
        "set-ids",
        (0..300u64)
            .map(|i| 10_000_000_000 + i * i * 104_729)
            .collect(),
    );
    // Consecutive keys: a Rice parameter of 0.
    set_seed("set-dense", (1_000..1_200).collect());
    // The extremes of the key space.
    set_seed("set-extremes", vec![0, 1, u64::MAX - 1, u64::MAX]);
}

/// A QR image reduced to `scale` pixels per module, quiet zone kept.
fn modules(png: &Path, scale: u32) -> GrayImage {
    let img = image::open(png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    assert_eq!(w, h, "{}: square", png.display());
    // The top-left finder pattern's first row is a run of 7 dark modules.
    let dark = |x: u32, y: u32| img.get_pixel(x, y).0[0] < 128;
    let y = (0..h).find(|&y| (0..w).any(|x| dark(x, y))).unwrap();
    let x0 = (0..w).find(|&x| dark(x, y)).unwrap();
    let run = (x0..w).take_while(|&x| dark(x, y)).count() as u32;
    assert_eq!(run % 7, 0, "{}: finder run {run}", png.display());
    let module = run / 7;
    assert_eq!(w % module, 0, "{}: whole modules", png.display());
    let n = w / module;
    GrayImage::from_fn(n * scale, n * scale, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        Luma([
            if dark(mx * module + module / 2, my * module + module / 2) {
                0
            } else {
                255
            },
        ])
    })
}

fn encode(img: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => {
            let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
            encoder.encode_image(img).unwrap();
        }
        _ => img.write_to(&mut out, format).unwrap(),
    }
    out.into_inner()
}

fn images() {
    let stack = PathBuf::from(FIXTURES).join("stack-signed");
    let ed = stack.join("ed25519-v2/cert-001/qr.png");
    let rsa = stack.join("rsa-v1/cert-002/qr.png");
    let text = stack.join("ed25519-v2-tampered/payload/qr_random_text.png");
    let zip = std::fs::read(stack.join("ed25519-v2/cert-001/certificate.zip")).unwrap();
    let rsa_zip = std::fs::read(stack.join("rsa-v1/cert-002/certificate.zip")).unwrap();

    let seeds = [
        (
            "divoc-ed25519-1px.png",
            modules(&ed, 1),
            ImageFormat::Png,
            Some(&zip),
        ),
        (
            "divoc-rsa-1px.png",
            modules(&rsa, 1),
            ImageFormat::Png,
            Some(&rsa_zip),
        ),
        (
            "divoc-ed25519-1px.jpg",
            modules(&ed, 1),
            ImageFormat::Jpeg,
            Some(&zip),
        ),
        ("text-2px.png", modules(&text, 2), ImageFormat::Png, None),
        ("text-2px.jpg", modules(&text, 2), ImageFormat::Jpeg, None),
        (
            "blank.png",
            GrayImage::from_pixel(40, 40, Luma([230])),
            ImageFormat::Png,
            None,
        ),
    ];
    for (name, img, format, payload) in seeds {
        let bytes = encode(&img, format);
        let decoded = qr::decode_image(&bytes);
        if name.starts_with("blank") {
            assert!(decoded.is_err(), "{name}");
        } else {
            let codes = decoded.unwrap_or_else(|e| panic!("{name} decodes: {e}"));
            if let Some(payload) = payload {
                assert_eq!(codes[0].payload(), payload.as_slice(), "{name}");
            }
        }
        write("image_payload", name, &bytes);

        // The same pixels as a raw frame (PNG seeds only: JPEG would repeat them).
        if format == ImageFormat::Png {
            let (w, h) = img.dimensions();
            let luma = img.into_raw();
            if !name.starts_with("blank") {
                assert!(qr::decode_luma(&luma, w, h).is_ok(), "{name} as a frame");
            }
            let header = u16::try_from(w).unwrap();
            assert!(header < 0x8000, "{name}: the top bit picks the decoder");
            let mut frame = header.to_le_bytes().to_vec();
            frame.extend(&luma);
            write("frame_payload", &name.replace(".png", ".frame"), &frame);
            // One frame for the FrameScanner mode (the header's top bit).
            if name.starts_with("text") {
                let mut frame = (header | 0x8000).to_le_bytes().to_vec();
                frame.extend(&luma);
                write(
                    "frame_payload",
                    &name.replace(".png", "-scanner.frame"),
                    &frame,
                );
            }
        }
    }
}

fn main() {
    let anchor = PrivateKey::from_ed25519_seed(&ANCHOR_SEED);
    trust_list(&anchor);
    revocation_list(&anchor);
    rules_list(&anchor);
    images();
}
