//! A checked little-endian reader over untrusted bytes.
//!
//! Every read names the structure it belongs to, so running off the end
//! becomes a precise [`PayloadError::Truncated`] instead of a panic.

use super::PayloadError;

/// Reads from the front of a byte slice; never panics, never allocates.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reader<'a> {
    rest: &'a [u8],
    /// Which structure is being read, for [`PayloadError::Truncated`].
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self { rest: bytes, what }
    }

    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], PayloadError> {
        let (head, rest) = self
            .rest
            .split_at_checked(n)
            .ok_or(PayloadError::Truncated { what: self.what })?;
        self.rest = rest;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], PayloadError> {
        let (head, rest) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(PayloadError::Truncated { what: self.what })?;
        self.rest = rest;
        Ok(*head)
    }

    pub(super) fn u16_le(&mut self) -> Result<u16, PayloadError> {
        self.array().map(u16::from_le_bytes)
    }

    pub(super) fn u32_le(&mut self) -> Result<u32, PayloadError> {
        self.array().map(u32::from_le_bytes)
    }

    /// What has not been read yet.
    pub(super) fn rest(&self) -> &'a [u8] {
        self.rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_reports_truncation() {
        let mut r = Reader::new(&[0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xaa], "test header");
        assert_eq!(r.u16_le().unwrap(), 0x1234);
        assert_eq!(r.u32_le().unwrap(), 0x1234_5678);
        assert_eq!(r.rest(), &[0xaa]);
        assert_eq!(
            r.u16_le(),
            Err(PayloadError::Truncated {
                what: "test header"
            })
        );
        // A failed read consumes nothing.
        assert_eq!(r.take(1).unwrap(), &[0xaa]);
        assert_eq!(
            r.take(1),
            Err(PayloadError::Truncated {
                what: "test header"
            })
        );
        assert_eq!(r.take(0).unwrap(), &[] as &[u8]);
    }
}
