//! Encryption at rest for the Slack user tokens (`xoxp-…`) mentors grant through OAuth.
//!
//! A user token can act as that person in Slack, so a leaked database must not leak tokens. Each
//! value is sealed with XChaCha20-Poly1305 under one 32-byte key and a fresh random 24-byte nonce
//! (large enough that random nonces never collide in practice, so no counter needs storing), and
//! stored as `v1:` + base64(nonce ‖ ciphertext ‖ tag). The row's owner (`team_id/user_id`) is bound
//! in as associated data, so a value copied onto another user's row fails to decrypt instead of
//! handing one person's token to another.
//!
//! The key comes from `OFFICEHOURS_SECRET_KEY` (64 hex characters or base64) or, for SQLite, from a
//! key file beside the database that is created on first run with mode 0600. A key file beside the
//! database is no defence against someone who copies the whole directory; it does keep tokens out
//! of backups and dumps of the database alone. Postgres deployments should set the variable.
//!
//! While a key is being rotated a cipher may also hold the previous key
//! (`OFFICEHOURS_SECRET_KEY_OLD`): it seals under the current key only and opens with either,
//! current first. Whether a key may be made, and when one is refused, is decided in `keys`.
//!
//! This module stands alone (no `crate::` imports) so it can be tested on its own.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// Format marker of stored values; a future scheme (key rotation, another cipher) gets `v2:`.
const VERSION_PREFIX: &str = "v1:";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Mixed into the associated data so a value sealed with this key for some other purpose (should
/// the key ever be reused) can't be passed off as a user token, and vice versa.
const AAD_CONTEXT: &[u8] = b"officehours/slack-user-token/v1\0";
/// A key file is 65 bytes; anything far larger is not ours, and reading it all would be wasteful.
const MAX_KEY_FILE_LEN: u64 = 4096;
const KEY_ADVICE: &str = "it must be 32 random bytes written as 64 hex characters or as base64 \
    (standard or URL-safe, padding optional); generate one with `openssl rand -hex 32`";

/// Operators paste keys from many tools; accept either base64 alphabet, padded or not.
const B64_LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const B64_STANDARD_ANY_PAD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, B64_LENIENT);
const B64_URL_SAFE_ANY_PAD: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, B64_LENIENT);

/// Why a key could not be had or a stored token could not be opened. No message ever contains
/// key material or a stored value: they could be secrets, and errors end up in logs.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key text (variable or key file) is not a 32-byte key; the message says why.
    #[error("{0}")]
    BadKey(String),
    /// The key file can be read by group or others (Unix only).
    #[error(
        "key file {} has permissions {mode:04o}; it holds the key that decrypts mentors' Slack tokens, \
         so only its owner may read it: run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    KeyFilePermissions { path: PathBuf, mode: u32 },
    /// Authentication failed: wrong key, a value moved to another user's row, tampering,
    /// truncation or a value that isn't base64.
    #[error(
        "a stored Slack token could not be decrypted: the key differs from the one it was sealed \
         with, or the value was altered or belongs to another user"
    )]
    Decrypt,
    /// The value does not start with `v1:` (e.g. a token stored before encryption, or written by a
    /// newer version).
    #[error("a stored Slack token is not in a format this version understands (expected `v1:…`)")]
    UnknownFormat,
    /// The operating system's random number generator failed.
    #[error("could not get random bytes from the operating system: {0}")]
    Rng(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Seals and opens user tokens. The key is wiped from memory when the last clone is dropped
/// (the `zeroize` feature of `chacha20poly1305`).
#[derive(Clone)]
pub struct TokenCipher {
    aead: XChaCha20Poly1305,
    /// The key being rotated away from: opens, never seals.
    old: Option<XChaCha20Poly1305>,
}

impl fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCipher(<redacted>)")
    }
}

impl TokenCipher {
    /// From `OFFICEHOURS_SECRET_KEY`: 32 bytes as 64 hex chars or standard/URL-safe base64.
    /// Surrounding whitespace (a trailing newline from `.env` or a secrets mount) is ignored.
    pub fn from_key_text(text: &str) -> Result<Self, CryptoError> {
        Self::from_named_key_text(text, "OFFICEHOURS_SECRET_KEY")
    }

    /// As [`from_key_text`](Self::from_key_text), with errors naming the variable `name`.
    pub fn from_named_key_text(text: &str, name: &str) -> Result<Self, CryptoError> {
        let key = parse_key(text).map_err(|why| CryptoError::BadKey(format!("{name} {why}")))?;
        Self::from_bytes(&key)
    }

    /// This cipher, also opening what `previous` sealed (tried after its own key). Sealing still
    /// uses only this cipher's own key.
    #[must_use]
    pub fn with_old(mut self, previous: &TokenCipher) -> Self {
        self.old = Some(previous.aead.clone());
        self
    }

    /// Only the key file's key, if the file is there (refusing one that group or others may
    /// read, on Unix); `None` when it does not exist. Never creates it.
    pub fn open_key_file(path: &Path) -> Result<Option<Self>, CryptoError> {
        match File::open(path) {
            Ok(file) => Self::read_key_file(file, path).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(at(path, "open key file", e)),
        }
    }

    /// A throwaway random key, for in-memory databases and tests: whatever it seals is lost with it.
    pub fn ephemeral() -> Result<Self, CryptoError> {
        Self::from_bytes(&*random_key()?)
    }

    /// The key file next to the SQLite database: read it if present (refusing one that group or
    /// others may read, on Unix), else create it with a fresh random key, mode 0600 from the
    /// start. `created` is true when this call made the file, so the caller can say where it is
    /// (and that it must be backed up with the database) once.
    ///
    /// The file holds the key as 64 hex characters and a newline, so its contents also work as
    /// `OFFICEHOURS_SECRET_KEY` when moving a deployment.
    pub fn from_key_file(path: &Path) -> Result<(Self, bool), CryptoError> {
        match File::open(path) {
            Ok(file) => Ok((Self::read_key_file(file, path)?, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match create_key_file(path)? {
                Some(cipher) => Ok((cipher, true)),
                // Another process created it between our open and create_new: use its key.
                None => {
                    let file = File::open(path).map_err(|e| at(path, "open key file", e))?;
                    Ok((Self::read_key_file(file, path)?, false))
                }
            },
            Err(e) => Err(at(path, "open key file", e)),
        }
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag), with `aad` (the owner, e.g. `team_id/user_id`)
    /// bound in: decrypting with any other `aad` fails.
    ///
    /// # Panics
    /// Only if the operating system's random number generator fails (nothing a caller can
    /// recover from: every other secret this process makes would be at risk too) or the plaintext
    /// exceeds 256 GiB, the cipher's limit. Neither depends on well-formed input.
    pub fn encrypt(&self, plaintext: &str, aad: &str) -> String {
        // A fresh random 192-bit nonce per value: collisions are negligible even for billions of
        // values, which is what makes random nonces safe here (unlike 96-bit ChaCha20-Poly1305).
        let nonce = XNonce::generate();
        let associated = associated_data(aad);
        let sealed = match self.aead.encrypt(
            &nonce,
            Payload {
                msg: plaintext.as_bytes(),
                aad: &associated,
            },
        ) {
            Ok(sealed) => sealed,
            Err(_) => panic!(
                "XChaCha20-Poly1305 refused a {}-byte plaintext",
                plaintext.len()
            ),
        };
        let mut raw = Vec::with_capacity(NONCE_LEN + sealed.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        format!("{VERSION_PREFIX}{}", STANDARD.encode(raw))
    }

    /// Opens a value made by [`encrypt`](Self::encrypt) with the same key (or the old one, if this
    /// cipher holds one) and `aad`. Every way a value can be wrong (key, owner, tampering,
    /// truncation, not base64) is [`CryptoError::Decrypt`]; a value without the `v1:` prefix is [`CryptoError::UnknownFormat`].
    pub fn decrypt(&self, stored: &str, aad: &str) -> Result<String, CryptoError> {
        let body = stored
            .strip_prefix(VERSION_PREFIX)
            .ok_or(CryptoError::UnknownFormat)?;
        let raw = STANDARD.decode(body).map_err(|_| CryptoError::Decrypt)?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, sealed) = raw
            .split_at_checked(NONCE_LEN)
            .ok_or(CryptoError::Decrypt)?;
        let nonce = XNonce::try_from(nonce).map_err(|_| CryptoError::Decrypt)?;
        let associated = associated_data(aad);
        let payload = || Payload {
            msg: sealed,
            aad: &associated,
        };
        let plain = match self.aead.decrypt(&nonce, payload()) {
            Ok(plain) => plain,
            Err(_) => self
                .old
                .as_ref()
                .ok_or(CryptoError::Decrypt)?
                .decrypt(&nonce, payload())
                .map_err(|_| CryptoError::Decrypt)?,
        };
        // Only this module writes these values, always from a `&str`; anything else is tampering.
        String::from_utf8(plain).map_err(|_| CryptoError::Decrypt)
    }

    fn from_bytes(key: &[u8; KEY_LEN]) -> Result<Self, CryptoError> {
        // `new_from_slice` copies straight from our zeroized buffer, leaving no stray key copy.
        let aead = XChaCha20Poly1305::new_from_slice(key)
            .map_err(|_| CryptoError::BadKey(format!("the key must be {KEY_LEN} bytes")))?;
        Ok(Self { aead, old: None })
    }

    fn read_key_file(file: File, path: &Path) -> Result<Self, CryptoError> {
        // Checked on the open handle, not the path, so the file we judge is the file we read.
        let meta = file
            .metadata()
            .map_err(|e| at(path, "inspect key file", e))?;
        if !meta.is_file() {
            return Err(CryptoError::BadKey(format!(
                "key file {} is not a regular file",
                path.display()
            )));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o7777;
            if mode & 0o077 != 0 {
                return Err(CryptoError::KeyFilePermissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        let mut text = Zeroizing::new(String::new());
        file.take(MAX_KEY_FILE_LEN)
            .read_to_string(&mut text)
            .map_err(|e| match e.kind() {
                io::ErrorKind::InvalidData => CryptoError::BadKey(format!(
                    "key file {} is not text; {KEY_ADVICE}",
                    path.display()
                )),
                _ => at(path, "read key file", e),
            })?;
        if text.trim().is_empty() {
            // Most likely a crash between creating and writing it, before anything was sealed.
            return Err(CryptoError::BadKey(format!(
                "key file {} is empty; if no Slack tokens were stored with it yet, delete it and \
                 a new key will be made",
                path.display()
            )));
        }
        let key = parse_key(&text)
            .map_err(|why| CryptoError::BadKey(format!("key file {} {why}", path.display())))?;
        Self::from_bytes(&key)
    }
}

/// Makes the key file with `create_new` and mode 0600 in the one `open` call, so it never exists
/// with looser permissions. `Ok(None)` when someone else created it first.
fn create_key_file(path: &Path) -> Result<Option<TokenCipher>, CryptoError> {
    let key = random_key()?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(at(path, "create key file", e)),
    };
    let mut text = Zeroizing::new(hex::encode(&key[..]));
    text.push('\n');
    // Flushed to disk before any token is sealed with it: losing the key loses every token.
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        // Don't leave a half-written key behind to be read next time; nothing was sealed with it.
        let _ = std::fs::remove_file(path);
        return Err(at(path, "write key file", e));
    }
    TokenCipher::from_bytes(&key).map(Some)
}

fn random_key() -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
    <[u8; KEY_LEN]>::try_generate()
        .map(Zeroizing::new)
        .map_err(|e| CryptoError::Rng(e.to_string()))
}

/// The key bytes, or why not (a phrase to follow the key's name). Never echoes the text: it is
/// a secret, even when malformed.
fn parse_key(text: &str) -> Result<Zeroizing<[u8; KEY_LEN]>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("is empty; {KEY_ADVICE}"));
    }
    let all_hex = text.bytes().all(|b| b.is_ascii_hexdigit());
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    if all_hex && text.len() == 2 * KEY_LEN {
        hex::decode_to_slice(text, &mut key[..])
            .map_err(|_| format!("is not valid hex; {KEY_ADVICE}"))?;
        return Ok(key);
    }
    // `-` and `_` only occur in the URL-safe alphabet, `+` and `/` only in the standard one.
    let engine = if text.contains(['-', '_']) {
        &B64_URL_SAFE_ANY_PAD
    } else {
        &B64_STANDARD_ANY_PAD
    };
    let decoded = engine.decode(text).map(Zeroizing::new);
    match decoded {
        Ok(bytes) if bytes.len() == KEY_LEN => {
            key.copy_from_slice(&bytes);
            Ok(key)
        }
        _ if all_hex => Err(format!(
            "looks like hex but has {} characters, not {}; {KEY_ADVICE}",
            text.len(),
            2 * KEY_LEN
        )),
        Ok(bytes) => Err(format!(
            "is base64 for {} bytes, not {KEY_LEN} (44 base64 characters with padding, 43 \
             without); {KEY_ADVICE}",
            bytes.len()
        )),
        Err(_) => Err(format!(
            "is neither 64 hex characters nor base64 ({} characters read); {KEY_ADVICE}",
            text.chars().count()
        )),
    }
}

/// Whose token a stored value is (`team_id/user_id`): the associated data it is sealed with.
pub fn token_owner(team_id: &str, user_id: &str) -> String {
    format!("{team_id}/{user_id}")
}

/// What a rotating token's refresh token is sealed with: its owner's, marked, so that a refresh
/// token never opens as the token itself (or the other way round).
pub fn refresh_owner(team_id: &str, user_id: &str) -> String {
    format!("{team_id}/{user_id}/refresh")
}

fn associated_data(aad: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(AAD_CONTEXT.len() + aad.len());
    data.extend_from_slice(AAD_CONTEXT);
    data.extend_from_slice(aad.as_bytes());
    data
}

/// An I/O error that names the file and what was being done, since the bare OS message doesn't.
fn at(path: &Path, doing: &str, e: io::Error) -> CryptoError {
    CryptoError::Io(io::Error::new(
        e.kind(),
        format!("{doing} {}: {e}", path.display()),
    ))
}

/// Where the key file lives for a `sqlite://path/to/officehours.db` URL: `path/to/officehours.key`.
/// `None` for in-memory SQLite (nothing outlives the process, so use
/// [`TokenCipher::ephemeral`]) and for other databases (set `OFFICEHOURS_SECRET_KEY`).
///
/// Parses the URL the way sqlx does: the `sqlite://` or `sqlite:` prefix, a query string after
/// `?`, percent-decoding of the path.
pub fn key_file_for(database_url: &str) -> Option<PathBuf> {
    let url = database_url.trim();
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (db, query) = match rest.split_once('?') {
        Some((db, query)) => (db, Some(query)),
        None => (rest, None),
    };
    let in_memory_mode = query.is_some_and(|q| q.split('&').any(|pair| pair == "mode=memory"));
    if db.is_empty() || db == ":memory:" || in_memory_mode {
        return None;
    }
    let db = PathBuf::from(percent_decode(db)?);
    // Never let the key file be the database itself (a database named `x.key`).
    if db.extension().is_some_and(|ext| ext == "key") {
        let mut name = db.into_os_string();
        name.push(".key");
        return Some(PathBuf::from(name));
    }
    Some(db.with_extension("key"))
}

/// `%XX` escapes to bytes, as sqlx does (an invalid escape stays as it is); `None` if the result
/// isn't UTF-8, which sqlx refuses too.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        match escaped {
            Some((hi, lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "xoxp-1234567890-0987654321-1122334455-abcdef0123456789abcdef0123456789";
    const OWNER: &str = "T0001/U0001";
    const HEX_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn cipher() -> TokenCipher {
        TokenCipher::from_key_text(HEX_KEY).unwrap()
    }

    #[test]
    fn round_trip() {
        let c = cipher();
        let stored = c.encrypt(TOKEN, OWNER);
        assert!(stored.starts_with("v1:"), "{stored}");
        assert_eq!(c.decrypt(&stored, OWNER).unwrap(), TOKEN);
        // Empty and non-ASCII plaintexts survive too.
        assert_eq!(c.decrypt(&c.encrypt("", OWNER), OWNER).unwrap(), "");
        assert_eq!(
            c.decrypt(&c.encrypt("žluťoučký 🐴", ""), "").unwrap(),
            "žluťoučký 🐴"
        );
        // A clone seals and opens with the same key.
        assert_eq!(c.clone().decrypt(&stored, OWNER).unwrap(), TOKEN);
    }

    #[test]
    fn ciphertext_reveals_neither_the_token_nor_its_base64() {
        let stored = cipher().encrypt(TOKEN, OWNER);
        assert!(!stored.contains(TOKEN));
        assert!(!stored.contains("xoxp"));
        let b64 = STANDARD.encode(TOKEN);
        assert!(!stored.contains(&b64[..16]), "{stored}");
        // The owner is authenticated, not stored: it must not show either.
        assert!(!stored.contains(OWNER));
        assert!(!stored.contains(&STANDARD.encode(OWNER)[..8]));
    }

    #[test]
    fn two_encryptions_differ() {
        let c = cipher();
        let a = c.encrypt(TOKEN, OWNER);
        let b = c.encrypt(TOKEN, OWNER);
        assert_ne!(a, b);
        // Different nonces, not just different tails.
        let nonce = |s: &str| STANDARD.decode(&s[3..]).unwrap()[..NONCE_LEN].to_vec();
        assert_ne!(nonce(&a), nonce(&b));
        assert_eq!(c.decrypt(&a, OWNER).unwrap(), c.decrypt(&b, OWNER).unwrap());
    }

    #[test]
    fn wrong_key_fails() {
        let stored = cipher().encrypt(TOKEN, OWNER);
        let other = TokenCipher::ephemeral().unwrap();
        assert!(matches!(
            other.decrypt(&stored, OWNER),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn while_rotating_both_keys_open_and_only_the_new_one_seals() {
        let old = cipher();
        let new = TokenCipher::ephemeral().unwrap();
        let rolling = new.clone().with_old(&old);
        let under_old = old.encrypt(TOKEN, OWNER);
        let under_new = rolling.encrypt(TOKEN, OWNER);
        assert_eq!(rolling.decrypt(&under_old, OWNER).unwrap(), TOKEN);
        assert_eq!(rolling.decrypt(&under_new, OWNER).unwrap(), TOKEN);
        assert_eq!(new.decrypt(&under_new, OWNER).unwrap(), TOKEN);
        assert!(old.decrypt(&under_new, OWNER).is_err());
        // The owner is still bound in, whichever key opens it.
        assert!(rolling.decrypt(&under_old, "T0001/U0002").is_err());
    }

    #[test]
    fn opening_a_missing_key_file_makes_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("officehours.key");
        assert!(TokenCipher::open_key_file(&path).unwrap().is_none());
        assert!(!path.exists());
        let (made, created) = TokenCipher::from_key_file(&path).unwrap();
        assert!(created);
        let opened = TokenCipher::open_key_file(&path).unwrap().unwrap();
        let stored = made.encrypt(TOKEN, OWNER);
        assert_eq!(opened.decrypt(&stored, OWNER).unwrap(), TOKEN);
    }

    #[test]
    fn a_row_copied_to_another_user_fails() {
        let c = cipher();
        let stored = c.encrypt(TOKEN, OWNER);
        for aad in [
            "T0001/U0002",
            "T0002/U0001",
            "",
            "T0001/U0001 ",
            "t0001/u0001",
        ] {
            assert!(
                matches!(c.decrypt(&stored, aad), Err(CryptoError::Decrypt)),
                "{aad:?}"
            );
        }
    }

    #[test]
    fn tampering_is_detected() {
        let c = cipher();
        let stored = c.encrypt(TOKEN, OWNER);
        let mut raw = STANDARD.decode(&stored[3..]).unwrap();
        // Flip one bit in the nonce, the body and the tag in turn.
        for i in [0, NONCE_LEN, NONCE_LEN + 5, raw.len() - 1] {
            raw[i] ^= 1;
            let forged = format!("v1:{}", STANDARD.encode(&raw));
            assert!(
                matches!(c.decrypt(&forged, OWNER), Err(CryptoError::Decrypt)),
                "{i}"
            );
            raw[i] ^= 1;
        }
        // Truncated at every length, including shorter than a nonce and tag.
        for len in 0..raw.len() {
            let cut = format!("v1:{}", STANDARD.encode(&raw[..len]));
            assert!(
                matches!(c.decrypt(&cut, OWNER), Err(CryptoError::Decrypt)),
                "{len}"
            );
        }
        // Extra bytes appended.
        let mut longer = raw.clone();
        longer.push(0);
        let longer = format!("v1:{}", STANDARD.encode(&longer));
        assert!(matches!(
            c.decrypt(&longer, OWNER),
            Err(CryptoError::Decrypt)
        ));
        // Truncating the text itself (breaking the base64).
        for cut in [stored.len() - 1, stored.len() - 2, 4] {
            assert!(
                matches!(c.decrypt(&stored[..cut], OWNER), Err(CryptoError::Decrypt)),
                "{cut}"
            );
        }
    }

    #[test]
    fn garbage_fails_cleanly() {
        let c = cipher();
        for junk in [
            "v1:",
            "v1:!!!!",
            "v1:not base64 at all",
            "v1:AAAA",
            "v1:\u{1F600}",
            "v1:====",
        ] {
            assert!(
                matches!(c.decrypt(junk, OWNER), Err(CryptoError::Decrypt)),
                "{junk:?}"
            );
        }
        for unknown in ["", "v2:AAAA", "V1:AAAA", "xoxp-123-456", " v1:AAAA", "v1"] {
            let err = c.decrypt(unknown, OWNER).unwrap_err();
            assert!(
                matches!(err, CryptoError::UnknownFormat),
                "{unknown:?}: {err:?}"
            );
        }
        // The error never repeats the stored value (it might be a plaintext token).
        let err = c.decrypt("xoxp-123-456", OWNER).unwrap_err().to_string();
        assert!(!err.contains("xoxp"), "{err}");
    }

    #[test]
    fn hex_and_base64_keys_are_the_same_key() {
        let bytes: Vec<u8> = (0u8..32).collect();
        let sealed = cipher().encrypt(TOKEN, OWNER);
        let texts = [
            HEX_KEY.to_owned(),
            HEX_KEY.to_uppercase(),
            format!("  {HEX_KEY}\n"),
            STANDARD.encode(&bytes),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes),
            base64::engine::general_purpose::URL_SAFE.encode(&bytes),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes),
        ];
        for text in &texts {
            let c = TokenCipher::from_key_text(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(c.decrypt(&sealed, OWNER).unwrap(), TOKEN, "{text}");
        }
        // A key using both URL-safe characters, to check that alphabet really is decoded.
        let url_bytes = [0xfb_u8; 32];
        let url_text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url_bytes);
        assert!(url_text.contains(['-', '_']), "{url_text}");
        let from_url = TokenCipher::from_key_text(&url_text).unwrap();
        let from_hex = TokenCipher::from_key_text(&hex::encode(url_bytes)).unwrap();
        assert_eq!(
            from_hex
                .decrypt(&from_url.encrypt(TOKEN, OWNER), OWNER)
                .unwrap(),
            TOKEN
        );
    }

    #[test]
    fn bad_keys_are_rejected_with_a_reason_and_without_echoing_the_key() {
        let cases = [
            ("", "is empty"),
            ("   \n", "is empty"),
            (&HEX_KEY[..62], "looks like hex but has 62 characters"),
            (&HEX_KEY[..60], "looks like hex but has 60 characters"),
            (
                "00112233445566778899aabbccddeeff",
                "looks like hex but has 32 characters",
            ),
            (
                "c2VjcmV0LWJ1dC10b28tc2hvcnQ=",
                "is base64 for 20 bytes, not 32",
            ),
            (
                "hunter2 is my password!",
                "is neither 64 hex characters nor base64",
            ),
            ("AAAA+AAA-AAA", "is neither 64 hex characters nor base64"),
        ];
        for (text, why) in cases {
            match TokenCipher::from_key_text(text) {
                Err(CryptoError::BadKey(message)) => {
                    assert!(message.starts_with("OFFICEHOURS_SECRET_KEY "), "{message}");
                    assert!(message.contains(why), "{text:?}: {message}");
                    assert!(message.contains("openssl rand -hex 32"), "{message}");
                    if text.trim().len() > 8 {
                        assert!(!message.contains(text.trim()), "echoed the key: {message}");
                    }
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
        // 64 characters that aren't all hex are judged as base64 (48 bytes), not as hex.
        let not_hex = format!("{}zz", &HEX_KEY[..62]);
        let message = TokenCipher::from_key_text(&not_hex)
            .unwrap_err()
            .to_string();
        assert!(message.contains("is base64 for 48 bytes"), "{message}");
    }

    #[test]
    fn debug_prints_nothing_secret() {
        let printed = format!("{:?}", cipher());
        assert_eq!(printed, "TokenCipher(<redacted>)");
        assert!(!printed.contains("0001020304"));
    }

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn key_file_is_created_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("officehours.key");
        let (first, created) = TokenCipher::from_key_file(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 65, "64 hex characters and a newline");
        assert!(text.trim_end().bytes().all(|b| b.is_ascii_hexdigit()));

        let sealed = first.encrypt(TOKEN, OWNER);
        let (second, created) = TokenCipher::from_key_file(&path).unwrap();
        assert!(!created);
        assert_eq!(second.decrypt(&sealed, OWNER).unwrap(), TOKEN);
        // The file's contents work as OFFICEHOURS_SECRET_KEY, for moving a deployment.
        let from_env = TokenCipher::from_key_text(&text).unwrap();
        assert_eq!(from_env.decrypt(&sealed, OWNER).unwrap(), TOKEN);
        // And a different key file is a different key.
        let (other, _) = TokenCipher::from_key_file(&dir.path().join("other.key")).unwrap();
        assert!(other.decrypt(&sealed, OWNER).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("officehours.key");
        std::fs::write(&path, format!("{HEX_KEY}\n")).unwrap();
        for mode in [0o644, 0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            match TokenCipher::from_key_file(&path) {
                Err(CryptoError::KeyFilePermissions { mode: found, .. }) => {
                    assert_eq!(found, mode);
                    let message = TokenCipher::from_key_file(&path).unwrap_err().to_string();
                    assert!(message.contains(&format!("{mode:04o}")), "{message}");
                    assert!(message.contains("chmod 600"), "{message}");
                }
                other => panic!("{mode:o} gave {other:?}"),
            }
        }
        // Stricter than 0600 is fine.
        for mode in [0o600, 0o400] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let (c, created) = TokenCipher::from_key_file(&path).unwrap();
            assert!(!created);
            assert_eq!(
                c.decrypt(&cipher().encrypt(TOKEN, OWNER), OWNER).unwrap(),
                TOKEN
            );
        }
    }

    #[test]
    fn a_bad_key_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, contents: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, contents).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            path
        };
        let cases = [
            (write("empty.key", b""), "is empty; if no Slack tokens"),
            (write("short.key", b"abcdef\n"), "looks like hex"),
            (
                write("binary.key", &[0xff, 0xfe, 0x00, 0x80]),
                "is not text",
            ),
        ];
        for (path, why) in cases {
            let message = TokenCipher::from_key_file(&path).unwrap_err().to_string();
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(message.contains(why), "{message}");
        }
        // A directory where the key file should be.
        let message = TokenCipher::from_key_file(dir.path())
            .unwrap_err()
            .to_string();
        assert!(message.contains("not a regular file"), "{message}");
        // A missing directory: an I/O error naming the path, no file left anywhere.
        let nowhere = dir.path().join("missing").join("officehours.key");
        match TokenCipher::from_key_file(&nowhere) {
            Err(CryptoError::Io(e)) => {
                assert_eq!(e.kind(), io::ErrorKind::NotFound);
                assert!(e.to_string().contains("create key file"), "{e}");
                assert!(e.to_string().contains("missing"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_file_sits_beside_a_sqlite_database() {
        let cases = [
            ("sqlite://officehours.db", "officehours.key"),
            ("sqlite:officehours.db", "officehours.key"),
            (
                "sqlite://data/officehours.db?mode=rwc",
                "data/officehours.key",
            ),
            (
                "sqlite:data/officehours.db?mode=rwc&cache=shared",
                "data/officehours.key",
            ),
            (
                "sqlite:///var/lib/officehours/officehours.db",
                "/var/lib/officehours/officehours.key",
            ),
            ("  sqlite://officehours.db\n", "officehours.key"),
            ("sqlite://officehours", "officehours.key"),
            ("sqlite://office.hours.sqlite3", "office.hours.key"),
            (
                "sqlite://my%20data/office%3Fhours.db",
                "my data/office?hours.key",
            ),
            ("sqlite://odd.key", "odd.key.key"),
        ];
        for (url, want) in cases {
            assert_eq!(key_file_for(url), Some(PathBuf::from(want)), "{url}");
        }
    }

    #[test]
    fn no_key_file_for_memory_or_other_databases() {
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://?mode=memory",
            "sqlite://officehours.db?mode=memory",
            "sqlite:",
            "postgres://officehours:pw@db/officehours",
            "postgresql://localhost/officehours?sslmode=require",
            "mysql://localhost/officehours",
            "officehours.db",
            "",
        ] {
            assert_eq!(key_file_for(url), None, "{url}");
        }
    }
}
