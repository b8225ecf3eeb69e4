//! Trust data for the tests: a trust list naming the DIVOC fixtures' issuer
//! and key, and revocation lists, all signed with a test anchor key, as the
//! key registry will serve them.

use anyhow::{Context, Result};
use credential::{
    IssuerRevocations, KeyStatus, PrivateKey, PublicKey, RevocationList, TrustList, TrustedIssuer,
    TrustedKey,
};
use jiff::Timestamp;

/// The DIVOC fixtures' issuer and key id.
pub const ISSUER: &str = "https://moh.example.org/";
/// The key id the fixtures' proofs name.
pub const KID: &str = "did:example:moh#key-1";

fn ts(s: &str) -> Result<Timestamp> {
    s.parse().with_context(|| format!("timestamp {s}"))
}

/// What the test registry serves.
#[derive(Debug)]
pub struct Trust {
    anchor: PrivateKey,
    /// Trust list version.
    pub version: u64,
    /// Trust list issued at.
    pub issued_at: String,
    /// Trust list next update (past it, the list is stale).
    pub next_update: String,
    /// Revocation list version.
    pub revocation_version: u64,
    /// Certificate ids revoked.
    pub revoked: Vec<String>,
}

impl Default for Trust {
    fn default() -> Self {
        Self::new()
    }
}

impl Trust {
    /// A current trust list (at [`crate::NOW`]) and nothing revoked.
    pub fn new() -> Self {
        Self {
            anchor: PrivateKey::from_ed25519_seed(&[7; 32]),
            version: 1,
            issued_at: "2021-09-01T00:00:00Z".into(),
            next_update: "2021-12-01T00:00:00Z".into(),
            revocation_version: 1,
            revoked: Vec::new(),
        }
    }

    /// The anchor's public key as PEM, for `config.json`.
    pub fn anchor_pem(&self) -> Result<String> {
        Ok(self.anchor.public_key().to_pem()?)
    }

    /// The signed trust list.
    pub fn trust_list(&self) -> Result<Vec<u8>> {
        let pem = std::fs::read_to_string(crate::fixture("ed25519-v2/key/public.pem"))?;
        let list = TrustList::new(
            self.version,
            ts(&self.issued_at)?,
            ts(&self.next_update)?,
            vec![TrustedIssuer {
                id: ISSUER.into(),
                name: "Ministry of Health".into(),
                country: "IN".into(),
                keys: vec![TrustedKey {
                    kid: KID.into(),
                    public_key: PublicKey::parse_any(pem.trim())?,
                    valid_from: ts("2021-01-01T00:00:00Z")?,
                    valid_until: None,
                    status: KeyStatus::Active,
                }],
            }],
            vec![],
        )?;
        Ok(list.sign(&self.anchor)?)
    }

    /// A signed revocation delta from version `since` to this list's
    /// version, revoking `revoked`.
    pub fn revocation_delta(&self, since: u64, revoked: &[&str]) -> Result<Vec<u8>> {
        let list = RevocationList {
            version: self.revocation_version,
            issued_at: ts(&self.issued_at)?,
            next_update: ts(&self.next_update)?,
            since: Some(since),
            issuers: vec![IssuerRevocations::from_ids(
                ISSUER,
                revoked.iter().copied(),
                std::iter::empty(),
            )],
        };
        Ok(list.sign(&self.anchor)?)
    }

    /// The signed revocation snapshot.
    pub fn revocations(&self) -> Result<Vec<u8>> {
        let list = RevocationList {
            version: self.revocation_version,
            issued_at: ts(&self.issued_at)?,
            next_update: ts(&self.next_update)?,
            since: None,
            issuers: vec![IssuerRevocations::from_ids(
                ISSUER,
                self.revoked.iter().map(String::as_str),
                std::iter::empty(),
            )],
        };
        Ok(list.sign(&self.anchor)?)
    }
}
