//! Demo certificates: four people of the demo programme, vaccinated a
//! month before the first run; one revoked, one suspended for a year. Made
//! once per data directory (their ids are kept in `stack/demo.json`) and
//! made again only if the issuer no longer has them; their QR codes and
//! printable PDFs are fetched into `demo/<certificate id>/` on every run.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::Stack;

/// A demo certificate.
#[derive(Debug, Clone)]
pub struct Demo {
    /// Its id.
    pub certificate_id: String,
    /// The holder's name.
    pub name: String,
    /// Its QR code (PNG).
    pub qr_png: PathBuf,
    /// Its printable certificate.
    pub pdf: PathBuf,
    /// What a verifier synced with the registry says: `valid`, `revoked`
    /// or `suspended`.
    pub expected_status: String,
}

/// (pre-enrolment code, holder, which example request to start from,
/// expected status).
const PEOPLE: &[(&str, &str, usize, &str)] = &[
    ("90214455012", "Priya Nair", 1, "valid"),
    ("12807831715278", "विकास शर्मा", 0, "revoked"),
    ("77310452209", "Amina Qureshi", 1, "suspended"),
    ("55018236641", "Arjun Mehta", 0, "valid"),
];

/// The demo batch, built from `issuer-api/examples/certify-request.json`
/// (its two requests, and two more people made from them), vaccinated at
/// `date`.
pub fn batch(example: &Value, date: Timestamp) -> Result<Value> {
    let examples = example
        .as_array()
        .context("the example request is not a JSON array")?;
    let date = date.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string();
    let mut batch = Vec::new();
    for (code, name, from, _) in PEOPLE {
        let mut request = examples
            .get(*from)
            .with_context(|| format!("the example request has no item {from}"))?
            .clone();
        let fields = request
            .as_object_mut()
            .context("an example request is not an object")?;
        fields.insert("preEnrollmentCode".into(), json!(code));
        let recipient = fields
            .get_mut("recipient")
            .and_then(Value::as_object_mut)
            .context("an example request has no recipient")?;
        recipient.insert("name".into(), json!(name));
        recipient.insert("identity".into(), json!(format!("did:in.gov.demo:{code}")));
        let vaccination = fields
            .get_mut("vaccination")
            .and_then(Value::as_object_mut)
            .context("an example request has no vaccination")?;
        vaccination.insert("date".into(), json!(date));
        // Filled from the programme (its validity) from the date.
        vaccination.remove("effectiveStart");
        vaccination.remove("effectiveUntil");
        batch.push(request);
    }
    Ok(Value::Array(batch))
}

impl Stack {
    /// The demo certificates: issued (once), revoked and suspended as
    /// planned, delivered to the registry, their QR codes and PDFs on disk.
    pub async fn demo(&self) -> Result<Vec<Demo>> {
        let state_path = self.dir("stack/demo.json");
        let kept: Option<Vec<String>> = std::fs::read(&state_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let ids = match kept {
            Some(ids) if ids.len() == PEOPLE.len() && self.all_exist(&ids).await? => ids,
            _ => {
                let ids = self.issue_demo().await?;
                std::fs::write(&state_path, serde_json::to_vec_pretty(&ids)?)?;
                ids
            }
        };

        let until = Timestamp::now()
            .checked_add(SignedDuration::from_hours(24 * 365))?
            .to_string();
        let mut demo = Vec::new();
        for (id, (_, name, _, expected)) in ids.iter().zip(PEOPLE) {
            let (status, view) = self
                .issuer_call(crate::Method::GET, &format!("/v1/certificates/{id}"), None)
                .await?;
            if status != 200 {
                bail!("demo certificate {id}: {status}: {view}");
            }
            let now = view
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match *expected {
                "revoked" if now != "revoked" => self.revoke(id, "issued in error (demo)").await?,
                "suspended" if now != "suspended" => {
                    self.suspend(id, &until, "under review (demo)").await?;
                }
                _ => {}
            }
            let dir = self.dir("demo").join(id);
            std::fs::create_dir_all(&dir)?;
            let qr_png = dir.join("qr.png");
            let pdf = dir.join("certificate.pdf");
            std::fs::write(
                &qr_png,
                self.issuer_bytes(&format!("/v1/certificates/{id}/qr.png?size=600"))
                    .await?,
            )?;
            std::fs::write(
                &pdf,
                self.issuer_bytes(&format!("/v1/certificates/{id}/pdf"))
                    .await?,
            )?;
            demo.push(Demo {
                certificate_id: id.clone(),
                name: (*name).to_owned(),
                qr_png,
                pdf,
                expected_status: (*expected).to_owned(),
            });
        }
        self.wait_delivered(std::time::Duration::from_secs(60))
            .await?;
        Ok(demo)
    }

    async fn all_exist(&self, ids: &[String]) -> Result<bool> {
        for id in ids {
            let (status, _) = self
                .issuer_call(crate::Method::GET, &format!("/v1/certificates/{id}"), None)
                .await?;
            if status != 200 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn issue_demo(&self) -> Result<Vec<String>> {
        let path = self
            .options
            .root
            .join("issuer-api/examples/certify-request.json");
        let example: Value = serde_json::from_slice(
            &std::fs::read(&path).with_context(|| format!("read {}", path.display()))?,
        )?;
        let date = Timestamp::now().checked_sub(SignedDuration::from_hours(24 * 30))?;
        let answer = self.certify(&batch(&example, date)?).await?;
        let results = answer
            .get("results")
            .and_then(Value::as_array)
            .context("certify answered no results")?;
        let mut ids = Vec::new();
        for result in results {
            let field = |name: &str| result.get(name).and_then(Value::as_str);
            match (field("result"), field("certificate_id")) {
                (Some("issued" | "existing"), Some(id)) => ids.push(id.to_owned()),
                _ => bail!("a demo certificate was not issued: {result}"),
            }
        }
        if ids.len() != PEOPLE.len() {
            bail!(
                "certify answered {} results for {}",
                ids.len(),
                PEOPLE.len()
            );
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]
    use super::*;

    #[test]
    fn the_batch_has_each_person_once_at_the_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../issuer-api/examples/certify-request.json");
        let example: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let date: Timestamp = "2026-11-06T04:00:00Z".parse().unwrap();
        let batch = batch(&example, date).unwrap();
        let items = batch.as_array().unwrap();
        assert_eq!(items.len(), PEOPLE.len());
        let mut codes: Vec<&str> = items
            .iter()
            .map(|i| i["preEnrollmentCode"].as_str().unwrap())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), PEOPLE.len());
        for item in items {
            assert_eq!(item["vaccination"]["date"], "2026-11-06T04:00:00.000Z");
            assert!(item["vaccination"].get("effectiveUntil").is_none());
        }
        assert_eq!(items[2]["recipient"]["name"], "Amina Qureshi");
        assert!(super::batch(&json!({}), date).is_err());
        assert!(super::batch(&json!([1, 2]), date).is_err());
    }
}
