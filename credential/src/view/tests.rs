use serde_json::{Value, json};

use super::{CredentialView, Field, Profile};
use crate::{ContextStore, PublicKey};

const STACK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed/ed25519-v2"
);

fn stack_certificate() -> Value {
    let text = std::fs::read_to_string(format!("{STACK}/cert-001/certificate.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn stack_key() -> PublicKey {
    let text = std::fs::read_to_string(format!("{STACK}/key/public.b58")).unwrap();
    PublicKey::from_base58(text.trim()).unwrap()
}

fn view_of(document: &Value) -> Result<CredentialView, crate::Error> {
    let verified = crate::verify(document, &stack_key(), &ContextStore::bundled())?;
    Ok(verified.credential()?)
}

#[test]
fn a_divoc_certificate_reads_from_its_graph() {
    let view = view_of(&stack_certificate()).unwrap();
    assert_eq!(view.profile, Profile::Divoc);
    assert_eq!(view.issuer, "https://moh.example.org/");
    assert_eq!(
        view.issuance_date.as_deref(),
        Some("2021-07-04T20:47:15.993Z")
    );
    assert_eq!(view.expiration_date, None);
    let subject = view.subject.as_ref().unwrap();
    assert_eq!(subject.id.as_deref(), Some("did:PAN:8J5BF1537U"));
    assert_eq!(subject.name.as_deref(), Some("विकास शर्मा"));
    assert_eq!(subject.birth_date.as_deref(), Some("1970-12-18"));
    assert_eq!(subject.age.as_deref(), Some("50"));
    let v = view.vaccination.as_ref().unwrap();
    assert_eq!(v.date.as_deref(), Some("2021-07-04T19:24:29.183Z"));
    assert_eq!(v.effective_start.as_deref(), Some("2021-07-04"));
    assert_eq!(v.effective_until.as_deref(), Some("2022-07-04"));
    assert_eq!(
        (v.dose.as_deref(), v.total_doses.as_deref()),
        (Some("2"), Some("2"))
    );
    assert_eq!(v.vaccine.as_deref(), Some("COVISHIELD"));
    assert_eq!(v.certificate_id.as_deref(), Some("15295081141"));
    assert_eq!(
        v.identifiers,
        [
            "15295081141",
            "COVISHIELD",
            "Serum Institute of India",
            "XM9QW8",
            "ZFYCWEH8"
        ]
    );
    assert_eq!(
        v.unbound,
        [
            Field::Vaccine,
            Field::Manufacturer,
            Field::Batch,
            Field::CertificateId,
            Field::Icd11Code
        ]
    );
    assert_eq!(v.vaccinator.as_deref(), Some("Renée Müller"));
    assert_eq!(
        v.facility.as_deref(),
        Some("Civil Hospital Mumbai Suburban")
    );
    assert_eq!(
        v.facility_address.as_deref(),
        Some("Mumbai Suburban, Mumbai, Maharashtra, 400050, IND")
    );
    assert_eq!(
        view.certificate_ids().len(),
        5,
        "every signed identifier is a candidate id"
    );
}

#[test]
fn graph_preserving_rewrites_read_the_same() {
    let original = stack_certificate();
    let expected = view_of(&original).unwrap();
    type Rewrite = Box<dyn Fn(&mut Value)>;
    let rewrites: Vec<Rewrite> = vec![
        Box::new(|d| d["evidence"] = d["evidence"][0].clone()),
        Box::new(|d| {
            d["evidence"][0]["certificateId"] = json!(["15295081141"]);
        }),
        Box::new(|d| {
            d["evidence"][0]["certificateId"] = json!({"@value": "15295081141"});
        }),
        Box::new(|d| d["issuer"] = json!({"id": "https://moh.example.org/"})),
        Box::new(|d| d["issuer"] = json!(["https://moh.example.org/"])),
        Box::new(|d| {
            let name = d["credentialSubject"]["name"].clone();
            d["credentialSubject"]["name"] = json!([name]);
        }),
    ];
    for (i, rewrite) in rewrites.iter().enumerate() {
        let mut document = original.clone();
        rewrite(&mut document);
        let view = view_of(&document).unwrap_or_else(|e| panic!("rewrite {i}: {e}"));
        assert_eq!(view.issuer, expected.issuer, "rewrite {i}");
        assert_eq!(view.subject, expected.subject, "rewrite {i}");
        let (a, b) = (
            view.vaccination.as_ref().unwrap(),
            expected.vaccination.as_ref().unwrap(),
        );
        assert_eq!(a.identifiers, b.identifiers, "rewrite {i}");
        assert_eq!(
            (&a.date, &a.dose, &a.total_doses),
            (&b.date, &b.dose, &b.total_doses)
        );
    }
}
