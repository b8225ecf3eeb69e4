//! A compressed, sorted set of `u64` keys: the revocation list's storage.
//!
//! Written by hand because the list is a signed, shipped wire format that
//! phones parse from untrusted bytes: it needs a small, stable, documented
//! encoding with bounded parsing, which general succinct-structure crates do
//! not promise (their serialization is an internal detail).
//!
//! Encoding: keys are sorted and deduplicated, cut into blocks of
//! [`BLOCK`] keys. Each block stores its first key in full and the gaps to
//! the following keys Golomb-Rice coded with the block's own parameter `k`
//! (gap `g` is written as `g >> k` in unary — that many 1 bits then a 0 —
//! followed by the low `k` bits of `g`, most significant first). With gaps
//! averaging `U/n` this costs about `log2(U/n) + 1.6` bits per key, close
//! to the information-theoretic minimum for a sorted set.
//!
//! Wire form (all integers little-endian):
//! `u32 count | u32 blocks | blocks × (u64 first, u32 bit_offset, u8 k) | u32 bit_len_bytes | bits`.
//! A lookup is a binary search over the block heads plus decoding at most
//! one block: about a microsecond.

use super::RevocationError;

/// Keys per block: the trade-off between index size (13 bytes per block)
/// and the work of one lookup (decode up to this many gaps).
pub const BLOCK: usize = 128;

/// The most keys one set may hold when parsed from untrusted bytes. 2^26
/// (67 million) is far above the budgeted million revocations per list.
pub const MAX_KEYS: usize = 1 << 26;

const HEAD_LEN: usize = 8 + 4 + 1;

/// A compressed sorted set of `u64` keys.
#[derive(Clone, PartialEq, Eq)]
pub struct RiceSet {
    count: usize,
    heads: Vec<Head>,
    bits: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Head {
    first: u64,
    offset: u32,
    k: u8,
}

impl std::fmt::Debug for RiceSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RiceSet")
            .field("count", &self.count)
            .field("bytes", &self.encoded_len())
            .finish()
    }
}

impl Default for RiceSet {
    fn default() -> Self {
        Self::from_sorted_unique(&[])
    }
}

impl RiceSet {
    /// Build a set from keys in any order, with duplicates.
    pub fn from_keys(mut keys: Vec<u64>) -> Self {
        keys.sort_unstable();
        keys.dedup();
        Self::from_sorted_unique(&keys)
    }

    fn from_sorted_unique(keys: &[u64]) -> Self {
        let mut writer = BitWriter::default();
        let mut heads = Vec::with_capacity(keys.len().div_ceil(BLOCK));
        for block in keys.chunks(BLOCK) {
            let Some((&first, rest)) = block.split_first() else {
                continue;
            };
            let span = block.last().map_or(0, |last| last - first);
            let gaps = rest.len() as u64;
            // Best Rice parameter: about log2 of the mean gap.
            let mean = span.checked_div(gaps).unwrap_or(0);
            let k = if mean == 0 {
                0
            } else {
                63 - mean.leading_zeros() as u8
            };
            heads.push(Head {
                first,
                offset: writer.len_bits() as u32,
                k,
            });
            let mut prev = first;
            for &key in rest {
                writer.rice(key - prev - 1, k);
                prev = key;
            }
        }
        Self {
            count: keys.len(),
            heads,
            bits: writer.finish(),
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether `key` is in the set.
    pub fn contains(&self, key: u64) -> bool {
        let idx = match self.heads.binary_search_by(|h| h.first.cmp(&key)) {
            Ok(_) => return true,
            Err(0) => return false,
            Err(i) => i - 1,
        };
        let Some(head) = self.heads.get(idx) else {
            return false;
        };
        let n = self.block_len(idx);
        let mut reader = BitReader::new(&self.bits, head.offset as usize);
        let mut value = head.first;
        for _ in 1..n {
            let Some(gap) = reader.rice(head.k) else {
                return false;
            };
            value = value.saturating_add(gap).saturating_add(1);
            if value >= key {
                return value == key;
            }
        }
        false
    }

    /// Every key, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.heads.iter().enumerate().flat_map(move |(idx, head)| {
            let n = self.block_len(idx);
            let mut reader = BitReader::new(&self.bits, head.offset as usize);
            let mut value = head.first;
            (0..n).map_while(move |i| {
                if i > 0 {
                    value = value.checked_add(reader.rice(head.k)?)?.checked_add(1)?;
                }
                Some(value)
            })
        })
    }

    /// The union of two sets (used to apply a delta).
    pub fn union(&self, other: &Self) -> Self {
        let mut keys: Vec<u64> = Vec::with_capacity(self.count + other.count);
        keys.extend(self.iter());
        keys.extend(other.iter());
        Self::from_keys(keys)
    }

    fn block_len(&self, idx: usize) -> usize {
        if idx + 1 < self.heads.len() {
            BLOCK
        } else {
            self.count - idx * BLOCK
        }
    }

    /// Size of [`Self::encode`]'s output.
    pub fn encoded_len(&self) -> usize {
        4 + 4 + self.heads.len() * HEAD_LEN + 4 + self.bits.len()
    }

    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&(self.count as u32).to_le_bytes());
        out.extend_from_slice(&(self.heads.len() as u32).to_le_bytes());
        for h in &self.heads {
            out.extend_from_slice(&h.first.to_le_bytes());
            out.extend_from_slice(&h.offset.to_le_bytes());
            out.push(h.k);
        }
        out.extend_from_slice(&(self.bits.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.bits);
        out
    }

    /// Parse the wire form from untrusted bytes. Every structural property
    /// the lookups rely on is checked here, so a hostile list can make a
    /// lookup answer wrongly only by being *signed* wrongly, never crash it.
    /// Each block is also decoded once to prove its keys ascend strictly.
    pub fn decode(bytes: &[u8]) -> Result<Self, RevocationError> {
        let bad = |reason: &'static str| RevocationError::MalformedSet { reason };
        let mut r = ByteReader(bytes);
        let count = r.u32().ok_or(bad("truncated count"))? as usize;
        if count > MAX_KEYS {
            return Err(RevocationError::TooManyEntries {
                count,
                limit: MAX_KEYS,
            });
        }
        let blocks = r.u32().ok_or(bad("truncated block count"))? as usize;
        if blocks != count.div_ceil(BLOCK) {
            return Err(bad("block count does not match key count"));
        }
        let mut heads = Vec::with_capacity(blocks);
        for _ in 0..blocks {
            let first = r.u64().ok_or(bad("truncated block head"))?;
            let offset = r.u32().ok_or(bad("truncated block head"))?;
            let k = r.u8().ok_or(bad("truncated block head"))?;
            if k > 63 {
                return Err(bad("Rice parameter over 63"));
            }
            heads.push(Head { first, offset, k });
        }
        let bit_bytes = r.u32().ok_or(bad("truncated bit length"))? as usize;
        let bits = r.take(bit_bytes).ok_or(bad("truncated bits"))?.to_vec();
        if !r.0.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let set = Self { count, heads, bits };
        set.check_blocks()?;
        Ok(set)
    }

    fn check_blocks(&self) -> Result<(), RevocationError> {
        let bad = |reason: &'static str| RevocationError::MalformedSet { reason };
        let mut prev_last: Option<u64> = None;
        let mut expected_offset = 0usize;
        for (idx, head) in self.heads.iter().enumerate() {
            if head.offset as usize != expected_offset {
                return Err(bad("block offsets are not contiguous"));
            }
            if prev_last.is_some_and(|p| head.first <= p) {
                return Err(bad("blocks are not in ascending order"));
            }
            let mut reader = BitReader::new(&self.bits, expected_offset);
            let mut value = head.first;
            for _ in 1..self.block_len(idx) {
                let gap = reader
                    .rice(head.k)
                    .ok_or(bad("block runs past the end of its bits"))?;
                value = value
                    .checked_add(gap)
                    .and_then(|v| v.checked_add(1))
                    .ok_or(bad("key overflows u64"))?;
            }
            expected_offset = reader.pos;
            prev_last = Some(value);
        }
        if expected_offset.div_ceil(8) != self.bits.len() {
            return Err(bad("bits longer than the blocks need"));
        }
        Ok(())
    }
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    len: usize,
}

impl BitWriter {
    fn len_bits(&self) -> usize {
        self.len
    }

    fn push(&mut self, bit: bool) {
        if self.len.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit && let Some(last) = self.bytes.last_mut() {
            *last |= 0x80 >> (self.len % 8);
        }
        self.len += 1;
    }

    fn rice(&mut self, value: u64, k: u8) {
        for _ in 0..(value >> k) {
            self.push(true);
        }
        self.push(false);
        for i in (0..k).rev() {
            self.push(value >> i & 1 == 1);
        }
    }

    fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    fn bit(&mut self) -> Option<bool> {
        let byte = *self.bytes.get(self.pos / 8)?;
        let bit = byte & (0x80 >> (self.pos % 8)) != 0;
        self.pos += 1;
        Some(bit)
    }

    fn rice(&mut self, k: u8) -> Option<u64> {
        let mut q: u64 = 0;
        while self.bit()? {
            q += 1;
            // A quotient this long cannot come from a u64 gap: hostile input.
            if q > u64::MAX >> k {
                return None;
            }
        }
        let mut low: u64 = 0;
        for _ in 0..k {
            low = low << 1 | u64::from(self.bit()?);
        }
        (q << k).checked_add(low)
    }
}

struct ByteReader<'a>(&'a [u8]);

impl<'a> ByteReader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_set_contains_nothing() {
        let set = RiceSet::from_keys(vec![]);
        assert!(!set.contains(0));
        assert_eq!(RiceSet::decode(&set.encode()).unwrap(), set);
    }

    #[test]
    fn finds_members_and_only_members() {
        let keys: Vec<u64> = (0..10_000u64).map(|i| i * 2_000 + (i % 7)).collect();
        let set = RiceSet::from_keys(keys.clone());
        assert_eq!(set.len(), keys.len());
        for &k in &keys {
            assert!(set.contains(k), "{k}");
            assert!(!set.contains(k + 1), "{}", k + 1);
        }
        assert!(!set.contains(u64::MAX));
        assert_eq!(set.iter().collect::<Vec<_>>(), keys);
    }

    #[test]
    fn extreme_keys() {
        let keys = vec![0, 1, u64::MAX - 1, u64::MAX];
        let set = RiceSet::from_keys(keys.clone());
        for k in keys {
            assert!(set.contains(k));
        }
        assert!(!set.contains(2));
        assert_eq!(RiceSet::decode(&set.encode()).unwrap(), set);
    }

    #[test]
    fn rejects_malformed_wire_forms() {
        let set = RiceSet::from_keys((0..1000).map(|i| i * 37).collect());
        let wire = set.encode();
        assert!(RiceSet::decode(&wire[..wire.len() - 1]).is_err());
        let mut trailing = wire.clone();
        trailing.push(0);
        assert!(RiceSet::decode(&trailing).is_err());
        // A count that disagrees with the block count.
        let mut lying = wire.clone();
        lying[0] = lying[0].wrapping_add(1);
        assert!(RiceSet::decode(&lying).is_err());
        // A huge count is refused before allocating.
        let mut huge = wire.clone();
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            RiceSet::decode(&huge),
            Err(RevocationError::TooManyEntries { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn membership_matches_a_btreeset(keys in proptest::collection::vec(any::<u64>(), 0..600),
                                         probes in proptest::collection::vec(any::<u64>(), 0..50)) {
            let reference: std::collections::BTreeSet<u64> = keys.iter().copied().collect();
            let set = RiceSet::from_keys(keys.clone());
            let decoded = RiceSet::decode(&set.encode()).unwrap();
            prop_assert_eq!(&decoded, &set);
            for k in keys.iter().chain(&probes) {
                prop_assert_eq!(decoded.contains(*k), reference.contains(k));
            }
            prop_assert_eq!(decoded.iter().collect::<Vec<_>>(), reference.into_iter().collect::<Vec<_>>());
        }

        #[test]
        fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), probe: u64) {
            if let Ok(set) = RiceSet::decode(&bytes) {
                let _ = set.contains(probe);
                let _ = set.iter().count();
            }
        }
    }
}
