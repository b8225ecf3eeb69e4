//! Private keys at rest: sealed under a master key that never enters the
//! database, and files only their owner can read.
//!
//! A private key is stored as `base64(nonce || ciphertext)`,
//! XChaCha20-Poly1305 under a 256-bit master key. The master key comes from
//! an environment variable (base64) or a file (created 0600 on first start,
//! a development default). The row's id is bound to the ciphertext as
//! associated data, so a stored key cannot be swapped for another row's. A
//! random 192-bit nonce per encryption makes nonce reuse a non-issue without
//! a counter.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use crate::random_bytes;

/// Nonce bytes of XChaCha20-Poly1305.
const NONCE_LEN: usize = 24;

/// Why a master key could not be loaded or a sealed key opened.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SealError {
    /// The master key text is not base64.
    #[error("master key is not base64")]
    MasterKeyNotBase64,
    /// The master key is not 32 bytes.
    #[error("master key must be 32 bytes")]
    MasterKeyLength,
    /// No randomness for a key or nonce.
    #[error(transparent)]
    Random(#[from] crate::RandomError),
    /// The cipher refused to encrypt (it does not, for in-memory inputs).
    #[error("encryption failed")]
    Encrypt,
    /// Wrong master key, or the stored ciphertext (or its row id) was altered.
    #[error("cannot decrypt a sealed key: wrong master key, or the stored key was altered")]
    Decrypt,
    /// The stored form is not what [`MasterKey::encrypt`] writes.
    #[error("sealed key is malformed: {0}")]
    Malformed(&'static str),
    /// The key file could not be read or written.
    #[error("master key file: {0}")]
    Io(#[from] std::io::Error),
}

/// The 256-bit key that encrypts private keys at rest. Zeroized on drop,
/// redacted in `Debug`.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// Parse a base64 master key (32 bytes).
    pub fn from_base64(text: &str) -> Result<Self, SealError> {
        let mut bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SealError::MasterKeyNotBase64)?;
        let result = <[u8; 32]>::try_from(bytes.as_slice())
            .map(|k| Self(Zeroizing::new(k)))
            .map_err(|_| SealError::MasterKeyLength);
        bytes.zeroize();
        result
    }

    /// A fresh random master key.
    pub fn generate() -> Result<Self, SealError> {
        Ok(Self(Zeroizing::new(random_bytes::<32>()?)))
    }

    /// The key as base64 (for writing the key file).
    fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_slice()))
    }

    /// Load the master key: from the environment value if given, else from
    /// the file, creating the file (mode 0600) if it does not exist.
    pub fn load(env_value: Option<&str>, file: &Path) -> Result<Self, SealError> {
        if let Some(value) = env_value {
            return Self::from_base64(value);
        }
        match std::fs::read_to_string(file) {
            Ok(text) => Self::from_base64(&Zeroizing::new(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate()?;
                write_private_file(file, key.to_base64().as_bytes())?;
                tracing::warn!(
                    path = %file.display(),
                    "generated a master key file next to the data: a development default. \
                     In production pass the master key from a secret store (the service's \
                     *_MASTER_KEY variable or --master-key-file), and back it up: without it \
                     the private keys cannot be decrypted"
                );
                Ok(key)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&(*self.0).into())
    }

    /// Encrypt, binding the ciphertext to `aad`: `base64(nonce || ciphertext)`.
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<String, SealError> {
        let nonce_bytes = random_bytes::<NONCE_LEN>()?;
        let nonce = XNonce::from(nonce_bytes);
        let ciphertext = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| SealError::Encrypt)?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(STANDARD.encode(out))
    }

    /// Decrypt what [`MasterKey::encrypt`] produced with the same `aad`.
    pub fn decrypt(&self, stored: &str, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let bytes = STANDARD
            .decode(stored)
            .map_err(|_| SealError::Malformed("not base64"))?;
        let (nonce, ciphertext) = bytes
            .split_at_checked(NONCE_LEN)
            .ok_or(SealError::Malformed("too short"))?;
        let nonce = XNonce::try_from(nonce).map_err(|_| SealError::Malformed("nonce"))?;
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SealError::Decrypt)
    }
}

/// Write a new file readable by its owner only (0600), and sync it. Fails
/// if the file exists: a secret is never written over something else.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

/// Make a file (a database, say) readable by its owner only before a
/// library opens it: create it empty with mode 0600 if missing, or take
/// group and other permissions off an existing one (with a warning). On
/// SQLite, the `-wal` and `-shm` files take the database file's mode.
pub fn prepare_private_file(path: &Path) -> std::io::Result<()> {
    match write_private_file(path, b"") {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the file was open to other users; now 0600"
            );
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    Ok(())
}

/// Create a data directory (and its parents) that only its owner may enter
/// (0700). An existing directory is left as it is, with a warning when
/// others may read it: an operator may have chosen its permissions.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the data directory is open to other users; 0700 is advised"
                );
            }
        }
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_binds_the_row_id() {
        let master = MasterKey::generate().unwrap();
        let stored = master.encrypt(b"secret pem", b"key-1").unwrap();
        assert_eq!(
            master.decrypt(&stored, b"key-1").unwrap().as_slice(),
            b"secret pem"
        );
        // Another row's id: refused.
        assert!(matches!(
            master.decrypt(&stored, b"key-2"),
            Err(SealError::Decrypt)
        ));
        // Another master key: refused.
        let other = MasterKey::generate().unwrap();
        assert!(other.decrypt(&stored, b"key-1").is_err());
        // Tampered ciphertext: refused.
        let mut bytes = STANDARD.decode(&stored).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(master.decrypt(&STANDARD.encode(bytes), b"key-1").is_err());
        // Truncated: a precise error, not a panic.
        assert!(matches!(
            master.decrypt(&STANDARD.encode([0u8; 10]), b"key-1"),
            Err(SealError::Malformed(_))
        ));
        // The plaintext does not appear in the stored form.
        assert!(!stored.contains("secret"));
    }

    #[test]
    fn master_key_debug_is_redacted_and_length_checked() {
        let master = MasterKey::generate().unwrap();
        let text = master.to_base64();
        assert_eq!(format!("{master:?}"), "MasterKey(<redacted>)");
        assert!(MasterKey::from_base64(&text).is_ok());
        assert!(MasterKey::from_base64(&STANDARD.encode([0u8; 16])).is_err());
        assert!(MasterKey::from_base64("not base64!").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_0600_and_reloads_the_same_key() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        create_private_dir(&data).unwrap();
        let mode = std::fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let file = data.join("master.key");
        let first = MasterKey::load(None, &file).unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = MasterKey::load(None, &file).unwrap();
        let sealed = first.encrypt(b"x", b"a").unwrap();
        assert_eq!(again.decrypt(&sealed, b"a").unwrap().as_slice(), b"x");
        // Never written over.
        assert!(write_private_file(&file, b"other").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn prepared_files_are_0600_new_or_old() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.db");
        prepare_private_file(&new).unwrap();
        assert_eq!(
            std::fs::metadata(&new).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // An existing file keeps its contents and loses others' access.
        let old = dir.path().join("old.db");
        std::fs::write(&old, b"data").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare_private_file(&old).unwrap();
        assert_eq!(
            std::fs::metadata(&old).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(std::fs::read(&old).unwrap(), b"data");
        // A missing directory: an error, not a panic.
        assert!(prepare_private_file(&dir.path().join("no/such.db")).is_err());
    }
}
