//! Certificate ids, random secrets and timestamps.
//!
//! A certificate id is 80 bits from the operating system's RNG, written in
//! Crockford base32 as four groups of four (`7K2M-Q9XD-4HBT-0RWZ`): easy to
//! read aloud and type from paper (no I, L, O or U), case-insensitive, and
//! unguessable. Collisions are caught by the primary key and retried.
//! Crockford base32 is written by hand here: sixteen 5-bit digits are a few
//! lines, and no maintained crate offers the grouped form.

use crate::error::Error;

/// Crockford's base32 alphabet.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Random bytes in a certificate id (80 bits).
const CERTIFICATE_ID_BYTES: usize = 10;

/// Fill a buffer from the operating system's RNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    Ok(service_core::random_bytes::<N>()?)
}

/// A fresh certificate id.
pub fn new_certificate_id() -> Result<String, Error> {
    let bytes = random_bytes::<CERTIFICATE_ID_BYTES>()?;
    Ok(encode_certificate_id(bytes))
}

fn encode_certificate_id(bytes: [u8; CERTIFICATE_ID_BYTES]) -> String {
    let mut value: u128 = 0;
    for b in bytes {
        value = (value << 8) | u128::from(b);
    }
    let mut out = String::with_capacity(19);
    for i in 0..16 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let shift = 5 * (15 - i);
        // Masked to five bits, so the index is always below 32.
        let digit = ((value >> shift) & 0x1f) as usize;
        out.push(char::from(CROCKFORD.get(digit).copied().unwrap_or(b'0')));
    }
    out
}

/// The canonical form of a certificate id someone typed: upper case, the
/// letters Crockford maps (O to 0, I and L to 1), dashes regrouped. Ids
/// that are not ours (for example DIVOC's numeric ones) pass through trimmed.
pub fn normalize_certificate_id(input: &str) -> String {
    let compact: String = input
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let ours = compact.len() == 16 && compact.bytes().all(|b| CROCKFORD.contains(&b));
    if !ours {
        return input.trim().to_owned();
    }
    let mut out = String::with_capacity(19);
    for (i, c) in compact.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

/// Milliseconds since the Unix epoch, now, by the system clock: for what
/// is never judged against a certificate's dates (the outbox's delivery
/// schedule, and webhook timestamps, which receivers check against their
/// own clocks). Decisions read the issuer's clock
/// (`Issuer::now`, see `crate::clock`).
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A Unix-millisecond time as RFC 3339 with milliseconds, as DIVOC writes
/// `issuanceDate` (`2021-04-30T06:25:12.345Z`).
pub fn rfc3339_ms(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => String::new(),
    }
}

pub use service_core::hex;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_grouped_crockford_and_distinct() {
        let a = new_certificate_id().unwrap();
        let b = new_certificate_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert_eq!(a.matches('-').count(), 3);
        assert!(a.bytes().all(|c| c == b'-' || CROCKFORD.contains(&c)));
    }

    #[test]
    fn encoding_uses_all_eighty_bits() {
        assert_eq!(encode_certificate_id([0; 10]), "0000-0000-0000-0000");
        assert_eq!(encode_certificate_id([0xff; 10]), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let mut one = [0; 10];
        one[9] = 1;
        assert_eq!(encode_certificate_id(one), "0000-0000-0000-0001");
    }

    #[test]
    fn typed_ids_normalize() {
        assert_eq!(
            normalize_certificate_id(" 7k2m q9xd 4hbt oRwz "),
            "7K2M-Q9XD-4HBT-0RWZ"
        );
        assert_eq!(
            normalize_certificate_id("7K2MQ9XD4HBTIRWL"),
            "7K2M-Q9XD-4HBT-1RW1"
        );
        // Not ours: passed through.
        assert_eq!(normalize_certificate_id("15295081141"), "15295081141");
    }

    #[test]
    fn timestamps_have_milliseconds() {
        assert_eq!(rfc3339_ms(1_619_763_912_000), "2021-04-30T06:25:12.000Z");
        assert_eq!(rfc3339_ms(1_619_763_912_345), "2021-04-30T06:25:12.345Z");
    }
}
