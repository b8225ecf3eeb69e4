//! Limits on citizen retrieval (`POST /v1/citizen/retrieve`): guessing a
//! date of birth for a known pre-enrollment code must be slow everywhere,
//! not per process, and a flood of failures must not cost the database a
//! write each.
//!
//! Two layers:
//!
//! 1. **Per process, in memory** (fast rejection, no database): at most
//!    `server.citizen_rate_limit_per_minute` requests per minute per
//!    client address, per IPv6 /64 (one subscriber's network: rotating
//!    through its addresses does not help), and per pre-enrollment code.
//!    The client address is the TCP peer, unless the peer is one of
//!    `server.trusted_proxies` (CIDRs): then it is the right-most address
//!    of `X-Forwarded-For` that is not a trusted proxy (addresses left of
//!    it are the client's own say and are ignored).
//! 2. **Per code, shared by every instance and kept across restarts**:
//!    failed attempts (unknown code, wrong date of birth or phone) are
//!    counted per code in fixed windows of `server.citizen_window_secs` in
//!    the `citizen_attempts` table. A code with
//!    `server.citizen_max_failures` failures in the current and previous
//!    window together is locked: every instance answers 429, even to the
//!    right details, until the failures age out (one to two windows). So
//!    any span of one window sees at most `citizen_max_failures` failures
//!    per code, plus what other instances have not flushed yet.
//!
//! Failures are not written one by one: each instance counts them in
//! memory and [`CitizenLimits::flush`] writes them every second (one
//! transaction: an upsert per code and one aggregated audit entry,
//! `citizen_retrieve_denied`, per code). Before answering, an instance
//! reads the stored count (a read, no write) and adds its own unflushed
//! failures, so one instance enforces the limit exactly; with several, a
//! code can see up to one flush interval's worth of extra failures from
//! each other instance (bounded by layer 1: a few per minute per code).
//! At most [`MAX_PENDING_CODES`] codes wait for a flush; beyond that new
//! codes are refused (429) until the next flush: memory stays bounded.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::HeaderMap;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serde_json::json;

use crate::config::ServerSettings;
use crate::error::{Error, ErrorCode};
use crate::issuer::Issuer;
use crate::store::{CertificateRecord, NewAudit, Store};

/// Codes longer than this cannot exist (certify refuses them): not counted.
const MAX_CODE_LEN: usize = 64;
/// Codes with unflushed failures, at most.
pub const MAX_PENDING_CODES: usize = 50_000;
/// How often failures are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Client addresses named in one aggregated audit entry, at most.
const MAX_AUDITED_CLIENTS: usize = 8;
/// Entries in one `X-Forwarded-For` walk, at most.
const MAX_FORWARDED_HOPS: usize = 32;

/// An address block (`10.0.0.0/8`, `2001:db8::/32`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not an address or CIDR block");
        let (address, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let network = canonical(address.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Self { network, prefix })
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Cidr {
    /// Whether `ip` is in the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u128::from(n.to_bits()), self.prefix, 32)
                    == masked(u128::from(a.to_bits()), self.prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(n.to_bits(), self.prefix, 128) == masked(a.to_bits(), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, prefix: u8, width: u32) -> u128 {
    let keep = u32::from(prefix).min(width);
    if keep == 0 { 0 } else { bits >> (width - keep) }
}

/// IPv4-mapped IPv6 addresses as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy,
/// the right-most `X-Forwarded-For` address that is not a trusted proxy
/// (the left-most when all are; the nearest proxy's when an entry does not
/// parse, since only a proxy can have put it right of the client's).
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[Cidr]) -> Option<IpAddr> {
    let peer = canonical(peer?);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return Some(peer);
        };
        hops.extend(text.split(','));
    }
    let mut nearest = peer;
    for hop in hops.iter().rev().take(MAX_FORWARDED_HOPS) {
        let Some(ip) = parse_hop(hop) else {
            return Some(nearest);
        };
        if !is_trusted(ip) {
            return Some(ip);
        }
        nearest = ip;
    }
    Some(nearest)
}

/// One `X-Forwarded-For` entry: an address, `[v6]:port` or `v4:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// The per-process limiter keys of a client: its address and, for IPv6,
/// its /64.
pub fn client_keys(ip: Option<IpAddr>) -> Vec<String> {
    match ip.map(canonical) {
        None => vec!["ip:unknown".to_owned()],
        Some(IpAddr::V4(v4)) => vec![format!("ip:{v4}")],
        Some(IpAddr::V6(v6)) => {
            let net = Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1));
            vec![format!("ip:{v6}"), format!("net:{net}/64")]
        }
    }
}

/// Failures of one code in one window, not yet written.
#[derive(Debug, Default, Clone)]
struct Pending {
    failures: i64,
    by_dob: i64,
    by_phone: i64,
    clients: BTreeSet<String>,
}

/// Unflushed failures, keyed by (code, window start).
type PendingMap = HashMap<(String, i64), Pending>;

/// The limits; one per process.
#[derive(Debug)]
pub struct CitizenLimits {
    fast: DefaultKeyedRateLimiter<String>,
    trusted: Vec<Cidr>,
    max_failures: i64,
    window_ms: i64,
    pending: Mutex<PendingMap>,
    /// Being written by a flush: still counted until it commits.
    flushing: Mutex<PendingMap>,
    /// Woken when the pending map is full.
    pub full: tokio::sync::Notify,
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofKind {
    /// Date of birth.
    Dob,
    /// Phone number.
    Phone,
}

impl CitizenLimits {
    /// Limits from the server settings.
    pub fn new(server: &ServerSettings) -> Self {
        let per_minute =
            NonZeroU32::new(server.citizen_rate_limit_per_minute).unwrap_or(NonZeroU32::MIN);
        Self {
            fast: RateLimiter::keyed(Quota::per_minute(per_minute)),
            trusted: server.trusted_proxies.clone(),
            max_failures: i64::from(server.citizen_max_failures.max(1)),
            window_ms: i64::try_from(server.citizen_window_secs.max(1))
                .unwrap_or(i64::MAX / 1000)
                .saturating_mul(1000),
            pending: Mutex::default(),
            flushing: Mutex::default(),
            full: tokio::sync::Notify::new(),
        }
    }

    /// The client's address for a request.
    pub fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        client_ip(peer.map(|p| p.ip()), headers, &self.trusted)
    }

    fn window_start(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.window_ms)
    }

    /// Drop idle per-process limiter state.
    pub fn retain_recent(&self) {
        self.fast.retain_recent();
    }

    fn limited(kind: &'static str) -> Error {
        metrics::counter!("issuer_rate_limited_total", "kind" => kind).increment(1);
        Error::RateLimited
    }

    /// Layer 1 for the client: its address and /64.
    pub fn check_client(&self, ip: Option<IpAddr>) -> Result<(), Error> {
        for key in client_keys(ip) {
            if self.fast.check_key(&key).is_err() {
                return Err(Self::limited("citizen"));
            }
        }
        Ok(())
    }

    /// Unflushed failures of a code in the windows from `since`.
    fn local_failures(&self, code: &str, since: i64) -> i64 {
        let count = |map: &PendingMap| -> i64 {
            map.iter()
                .filter(|((c, w), _)| c == code && *w >= since)
                .map(|(_, p)| p.failures)
                .sum()
        };
        let pending = self.pending.lock().map_or(0, |m| count(&m));
        let flushing = self.flushing.lock().map_or(0, |m| count(&m));
        pending + flushing
    }

    /// Layer 1 for the code, then layer 2: refuse a locked code.
    pub async fn check_code(&self, store: &Store, code: &str, now: i64) -> Result<(), Error> {
        if self.fast.check_key(&format!("code:{code}")).is_err() {
            return Err(Self::limited("citizen"));
        }
        let since = self.window_start(now) - self.window_ms;
        let failures =
            store.citizen_failures(code, since).await? + self.local_failures(code, since);
        if failures >= self.max_failures {
            return Err(Self::limited("citizen_code_locked"));
        }
        Ok(())
    }

    /// Count a failed attempt (written at the next flush).
    pub fn record_failure(
        &self,
        code: &str,
        client: Option<IpAddr>,
        by: ProofKind,
        now: i64,
    ) -> Result<(), Error> {
        let window = self.window_start(now);
        let mut map = self
            .pending
            .lock()
            .map_err(|_| Error::Corrupt("citizen limits lock".into()))?;
        let key = (code.to_owned(), window);
        if !map.contains_key(&key) && map.len() >= MAX_PENDING_CODES {
            self.full.notify_one();
            return Err(Self::limited("citizen_backlog"));
        }
        let entry = map.entry(key).or_default();
        entry.failures += 1;
        match by {
            ProofKind::Dob => entry.by_dob += 1,
            ProofKind::Phone => entry.by_phone += 1,
        }
        if entry.clients.len() < MAX_AUDITED_CLIENTS {
            entry
                .clients
                .insert(client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()));
        }
        Ok(())
    }

    /// Write the unflushed failures in one transaction (and forget windows
    /// too old to count); how many codes were written. On error they stay
    /// pending for the next flush.
    pub async fn flush(&self, store: &Store, now: i64) -> Result<usize, Error> {
        let batch: PendingMap = {
            let mut pending = self
                .pending
                .lock()
                .map_err(|_| Error::Corrupt("citizen limits lock".into()))?;
            let mut flushing = self
                .flushing
                .lock()
                .map_err(|_| Error::Corrupt("citizen limits lock".into()))?;
            let taken = std::mem::take(&mut *pending);
            flushing.clone_from(&taken);
            taken
        };
        let oldest_counted = self.window_start(now) - self.window_ms;
        let result = write(store, &batch, oldest_counted, now).await;
        let mut flushing = self
            .flushing
            .lock()
            .map_err(|_| Error::Corrupt("citizen limits lock".into()))?;
        flushing.clear();
        if result.is_err() {
            let mut pending = self
                .pending
                .lock()
                .map_err(|_| Error::Corrupt("citizen limits lock".into()))?;
            for (key, p) in batch {
                let entry = pending.entry(key).or_default();
                entry.failures += p.failures;
                entry.by_dob += p.by_dob;
                entry.by_phone += p.by_phone;
                entry.clients.extend(p.clients);
            }
        }
        result
    }
}

async fn write(
    store: &Store,
    batch: &PendingMap,
    oldest_counted: i64,
    now: i64,
) -> Result<usize, Error> {
    let mut tx = store.begin().await?;
    if !batch.is_empty() {
        let rows: Vec<(&str, i64, i64)> = batch
            .iter()
            .map(|((code, window), p)| (code.as_str(), *window, p.failures))
            .collect();
        tx.citizen_add_failures(&rows).await?;
        let details: Vec<String> = batch
            .iter()
            .map(|((code, _), p)| {
                json!({ "code": code, "failures": p.failures, "by_dob": p.by_dob,
                        "by_phone": p.by_phone, "clients": p.clients })
                .to_string()
            })
            .collect();
        let entries: Vec<NewAudit<'_>> = details
            .iter()
            .map(|d| NewAudit {
                at: now,
                actor: "citizen",
                action: "citizen_retrieve_denied",
                subject: None,
                details: d,
            })
            .collect();
        tx.audit_many(&entries).await?;
    }
    tx.citizen_prune(oldest_counted).await?;
    tx.commit().await?;
    Ok(batch.len())
}

/// What a citizen asks for: their pre-enrollment code with the date of
/// birth or the phone number, and which dose (default: all).
#[derive(Debug, Clone, Copy)]
pub struct CitizenQuery<'a> {
    /// The pre-enrollment code on the vaccination receipt.
    pub code: &'a str,
    /// Date of birth (`YYYY-MM-DD`), as registered.
    pub dob: Option<&'a str>,
    /// Or the registered phone number.
    pub phone: Option<&'a str>,
    /// Which dose.
    pub dose: Option<i64>,
}

/// Citizen retrieval with both limits: the caller's non-revoked
/// certificates for the code, if the date of birth or phone matches.
/// Unknown codes and wrong details get the same 404 and count as failures.
pub async fn retrieve(
    issuer: &Issuer,
    limits: &CitizenLimits,
    query: &CitizenQuery<'_>,
    client: Option<IpAddr>,
    now: i64,
) -> Result<Vec<CertificateRecord>, Error> {
    let CitizenQuery {
        code,
        dob,
        phone,
        dose,
    } = *query;
    limits.check_client(client)?;
    let code = code.trim();
    let by = match (
        dob.map(str::trim).filter(|s| !s.is_empty()),
        phone.map(str::trim).filter(|s| !s.is_empty()),
    ) {
        (Some(_), _) => ProofKind::Dob,
        (None, Some(_)) => ProofKind::Phone,
        (None, None) => {
            return Err(Error::client(
                ErrorCode::MissingField,
                "give dob or phone with the preEnrollmentCode",
            ));
        }
    };
    let not_found = || Error::not_found("certificate for", "these details");
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(not_found());
    }
    limits.check_code(&issuer.store, code, now).await?;
    let client_text = client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let matching = issuer
        .citizen_certificates(code, dob, phone, &client_text)
        .await?;
    if matching.is_empty() {
        limits.record_failure(code, client, by, now)?;
        return Err(not_found());
    }
    let mut matching = matching;
    if let Some(dose) = dose {
        // The details were right: another dose than asked is not a failure.
        matching.retain(|r| r.dose == dose);
        if matching.is_empty() {
            return Err(not_found());
        }
    }
    // Latest dose first; among equals, the newest certificate (a correction).
    matching.sort_by(|a, b| b.dose.cmp(&a.dose).then(b.issued_at.cmp(&a.issued_at)));
    Ok(matching)
}

/// Flush every [`FLUSH_INTERVAL`] (or when the pending map is full) until
/// `shutdown` flips, then once more.
pub async fn run_flusher(
    limits: std::sync::Arc<CitizenLimits>,
    issuer: std::sync::Arc<Issuer>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(FLUSH_INTERVAL);
    loop {
        let stop = tokio::select! {
            _ = tick.tick() => false,
            () = limits.full.notified() => false,
            _ = shutdown.changed() => true,
        };
        if let Err(e) = limits.flush(&issuer.store, issuer.now()).await {
            tracing::warn!(error = %e, "writing citizen retrieval failures failed; kept for the next flush");
        }
        if stop || *shutdown.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                "x-forwarded-for",
                v.parse().unwrap_or_else(|_| unreachable!()),
            );
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().filter_map(|c| c.parse().ok()).collect()
    }

    #[test]
    fn cidrs_parse_and_match() {
        let v4: Cidr = "10.0.0.0/8".parse().unwrap_or_else(|_| unreachable!());
        assert!(v4.contains("10.200.1.1".parse().unwrap_or_else(|_| unreachable!())));
        assert!(!v4.contains("11.0.0.1".parse().unwrap_or_else(|_| unreachable!())));
        assert!(v4.contains("::ffff:10.1.2.3".parse().unwrap_or_else(|_| unreachable!())));
        let v6: Cidr = "2001:db8::/32".parse().unwrap_or_else(|_| unreachable!());
        assert!(
            v6.contains(
                "2001:db8:ffff::1"
                    .parse()
                    .unwrap_or_else(|_| unreachable!())
            )
        );
        assert!(!v6.contains("2001:db9::1".parse().unwrap_or_else(|_| unreachable!())));
        assert!(!v6.contains("10.0.0.1".parse().unwrap_or_else(|_| unreachable!())));
        let one: Cidr = "192.0.2.7".parse().unwrap_or_else(|_| unreachable!());
        assert!(one.contains("192.0.2.7".parse().unwrap_or_else(|_| unreachable!())));
        assert!(!one.contains("192.0.2.8".parse().unwrap_or_else(|_| unreachable!())));
        let all: Cidr = "0.0.0.0/0".parse().unwrap_or_else(|_| unreachable!());
        assert!(all.contains("203.0.113.9".parse().unwrap_or_else(|_| unreachable!())));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "nonsense",
            "10.0.0.0/x",
            "",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let trusted = cidrs(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
        // An untrusted peer: its header is ignored.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &headers(&["203.0.113.5"]), &trusted),
            ip("198.51.100.1")
        );
        // A trusted peer: the right-most untrusted address; spoofed entries
        // left of it are ignored.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                &headers(&["1.1.1.1, 203.0.113.5, 10.0.0.9"]),
                &trusted
            ),
            ip("203.0.113.5")
        );
        // Several headers are one list, in order.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                &headers(&["1.1.1.1", "203.0.113.6"]),
                &trusted
            ),
            ip("203.0.113.6")
        );
        // Ports and brackets.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers(&["[2001:db8:1::5]:443"]), &trusted),
            ip("2001:db8:1::5")
        );
        // All trusted: the left-most.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers(&["10.0.0.7, 10.0.0.8"]), &trusted),
            ip("10.0.0.7")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers(&[]), &trusted),
            ip("10.0.0.2")
        );
        // Garbage right of the client can only come from a proxy: the
        // nearest proxy, not a spoofable value.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                &headers(&["203.0.113.5, garbage"]),
                &trusted
            ),
            ip("10.0.0.2")
        );
        // No trusted proxies configured: the peer, always.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers(&["203.0.113.5"]), &[]),
            ip("10.0.0.2")
        );
        assert_eq!(client_ip(None, &headers(&["203.0.113.5"]), &trusted), None);
    }

    #[test]
    fn ipv6_clients_are_limited_per_address_and_per_64() {
        assert_eq!(client_keys(ip("203.0.113.5")), ["ip:203.0.113.5"]);
        assert_eq!(
            client_keys(ip("2001:db8:1:2:aaaa::1")),
            ["ip:2001:db8:1:2:aaaa::1", "net:2001:db8:1:2::/64"]
        );
        assert_eq!(
            client_keys(ip("2001:db8:1:2::ffff"))[1],
            "net:2001:db8:1:2::/64"
        );
        assert_ne!(
            client_keys(ip("2001:db8:1:3::1"))[1],
            "net:2001:db8:1:2::/64"
        );
        assert_eq!(client_keys(ip("::ffff:203.0.113.5")), ["ip:203.0.113.5"]);
        assert_eq!(client_keys(None), ["ip:unknown"]);
    }
}
