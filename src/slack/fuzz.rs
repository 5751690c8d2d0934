//! The fuzz entry point for Slack's request signature check (`verify`): arbitrary bytes in, a
//! panic out when a property breaks. It lives in the adapter because the check does; `fuzz/`
//! runs it under libFuzzer and `tests/fuzz_corpus.rs` replays its corpus.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::verify::{SignatureVerifier, VerifyError, MAX_CLOCK_SKEW_SECS};
use crate::secret::Secret;

/// The bytes `signature` reads: a secret, "now", a clock skew and a byte to flip, then the two
/// header values as they arrived and the body. Fields are a length byte then that many bytes.
pub struct SignatureInput<'a> {
    pub secret: &'a [u8],
    pub now: i64,
    pub skew: i16,
    pub flip_at: u16,
    pub timestamp: &'a [u8],
    pub signature: &'a [u8],
    pub body: &'a [u8],
}

impl SignatureInput<'_> {
    /// The encoding `signature` decodes, for writing seed inputs. Fields longer than 255
    /// bytes are cut.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let field = |out: &mut Vec<u8>, bytes: &[u8]| {
            let bytes = &bytes[..bytes.len().min(255)];
            out.push(bytes.len() as u8);
            out.extend_from_slice(bytes);
        };
        field(&mut out, self.secret);
        out.extend_from_slice(&self.now.to_le_bytes());
        out.extend_from_slice(&self.skew.to_le_bytes());
        out.extend_from_slice(&self.flip_at.to_le_bytes());
        field(&mut out, self.timestamp);
        field(&mut out, self.signature);
        out.extend_from_slice(self.body);
        out
    }
}

/// Reads fields off the front; past the end every field is empty or zero.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n.min(self.0.len()));
        self.0 = tail;
        head
    }

    fn field(&mut self) -> &'a [u8] {
        let n = self.take(1).first().copied().unwrap_or(0);
        self.take(usize::from(n))
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let got = self.take(N);
        out[..got.len()].copy_from_slice(got);
        out
    }
}

fn decode(data: &[u8]) -> SignatureInput<'_> {
    let mut r = Reader(data);
    let secret = r.field();
    let now = i64::from_le_bytes(r.array());
    let skew = i16::from_le_bytes(r.array());
    let flip_at = u16::from_le_bytes(r.array());
    let timestamp = r.field();
    let signature = r.field();
    SignatureInput {
        secret,
        now,
        skew,
        flip_at,
        timestamp,
        signature,
        body: r.0,
    }
}

/// Slack's v0 signature, computed here independently of `SignatureVerifier::sign`.
fn slack_mac(secret: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn signed(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!("v0={}", hex::encode(slack_mac(secret, timestamp, body)))
}

/// Arbitrary headers and body never verify unless the signature is the secret's HMAC of exactly
/// that timestamp and body, within five minutes of now; a body signed that way always verifies,
/// and changing one byte of it, or the timestamp's spelling, or going stale, fails.
pub fn signature(data: &[u8]) {
    let input = decode(data);
    let secret = String::from_utf8_lossy(input.secret).into_owned();
    let verifier = SignatureVerifier::new(Secret::new(secret.clone()));
    let (now, body) = (input.now, input.body);
    check_as_received(&verifier, &secret, &input);

    // Signed properly, at a timestamp up to five minutes either side of now.
    let skew = i64::from(input.skew) % (MAX_CLOCK_SKEW_SECS + 1);
    let Some(sent) = now.checked_add(skew) else {
        return;
    };
    let fresh = sent.to_string();
    let good = signed(&secret, &fresh, body);
    assert_eq!(verifier.sign(&fresh, body), good);
    assert_eq!(
        verifier.verify(Some(&fresh), Some(&good), body, now),
        Ok(()),
        "a correctly signed body at {sent} was refused at {now}"
    );
    check_altered(&verifier, &input, sent, &good);
    check_stale(&verifier, &secret, &input);
}

/// Whatever arrived verifies only as the secret's own signature, fresh, and never without
/// both headers.
fn check_as_received(verifier: &SignatureVerifier, secret: &str, input: &SignatureInput<'_>) {
    let (now, body) = (input.now, input.body);
    let timestamp = std::str::from_utf8(input.timestamp).ok();
    let signature = std::str::from_utf8(input.signature).ok();
    if verifier.verify(timestamp, signature, body, now).is_ok() {
        let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
            panic!("verified without headers");
        };
        let sent: i64 = timestamp.trim().parse().unwrap_or_else(|_| {
            panic!("verified with the timestamp {timestamp:?}");
        });
        assert!(
            sent.abs_diff(now) <= MAX_CLOCK_SKEW_SECS as u64,
            "verified {sent} at {now}"
        );
        let given = signature
            .strip_prefix("v0=")
            .and_then(|h| hex::decode(h).ok());
        assert_eq!(
            given,
            Some(slack_mac(secret, timestamp, body)),
            "verified a signature the secret did not make"
        );
    }
    assert_eq!(
        verifier.verify(None, signature, body, now),
        Err(VerifyError::MissingHeaders)
    );
    assert_eq!(
        verifier.verify(timestamp, None, body, now),
        Err(VerifyError::MissingHeaders)
    );
}

/// `good` signs the body at `sent`; any other message under it fails.
fn check_altered(verifier: &SignatureVerifier, input: &SignatureInput<'_>, sent: i64, good: &str) {
    let (now, body) = (input.now, input.body);
    let fresh = sent.to_string();
    // One byte of the body changed, one byte more, or one less.
    if !body.is_empty() {
        let mut tampered = body.to_vec();
        let at = usize::from(input.flip_at) % body.len();
        tampered[at] = tampered[at].wrapping_add(1);
        assert_eq!(
            verifier.verify(Some(&fresh), Some(good), &tampered, now),
            Err(VerifyError::BadSignature),
            "flipped byte {at}"
        );
        assert_eq!(
            verifier.verify(Some(&fresh), Some(good), &body[1..], now),
            Err(VerifyError::BadSignature)
        );
    }
    let mut longer = body.to_vec();
    longer.push(b'&');
    assert_eq!(
        verifier.verify(Some(&fresh), Some(good), &longer, now),
        Err(VerifyError::BadSignature)
    );

    // The same instant spelt differently is a different message.
    let respelt = format!("0{fresh}");
    if respelt.parse::<i64>() == Ok(sent) {
        assert_eq!(
            verifier.verify(Some(&respelt), Some(good), body, now),
            Err(VerifyError::BadSignature)
        );
    }
}

/// Signed properly, but too long ago or too far ahead.
fn check_stale(verifier: &SignatureVerifier, secret: &str, input: &SignatureInput<'_>) {
    let (now, body) = (input.now, input.body);
    let beyond = MAX_CLOCK_SKEW_SECS + 1 + i64::from(input.skew.unsigned_abs());
    for stale in [now.checked_sub(beyond), now.checked_add(beyond)]
        .into_iter()
        .flatten()
    {
        let stale = stale.to_string();
        let sig = signed(secret, &stale, body);
        assert_eq!(
            verifier.verify(Some(&stale), Some(&sig), body, now),
            Err(VerifyError::Stale),
            "{stale} at {now}"
        );
    }
}
