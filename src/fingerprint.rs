//! Stable finding fingerprints: a finding's identity across runs and edits.
//!
//! A fingerprint is derived only from the rule id and the sorted ids of the entities
//! involved — never from line numbers, file names or messages — so reformatting or
//! reordering a topology keeps it, and `--base` diffs and waivers can key on it.
//!
//! It is the first 8 bytes (16 hex digits) of a SHA-256 digest over a length-prefixed
//! encoding of `kbcheck-fingerprint-v1`, the rule id and each entity id. The digest comes from
//! the `sha2` crate; the published test vectors below, and the fingerprints of the bundled
//! examples pinned in `tests/gate.rs`, guard that fingerprints users keep in waivers and baselines never change.

use sha2::{Digest, Sha256};

/// The SARIF `partialFingerprints` key under which the fingerprint is published.
pub const SARIF_KEY: &str = "kbcheck/v1";

/// Length of a fingerprint in hex digits.
pub const LEN: usize = 16;

/// The fingerprint of a finding of `rule` about `entities` (in any order, duplicates ignored).
pub fn fingerprint<S: AsRef<str>>(rule: &str, entities: &[S]) -> String {
    Fingerprint::of(rule, entities).to_string()
}

/// A fingerprint as 8 bytes: what a finding keeps (written as 16 hex digits on output).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The fingerprint of a finding of `rule` about `entities` (in any order, duplicates
    /// ignored).
    pub fn of<S: AsRef<str>>(rule: &str, entities: &[S]) -> Fingerprint {
        let mut ids: Vec<&str> = entities.iter().map(AsRef::as_ref).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut hasher = Sha256::new();
        for part in ["kbcheck-fingerprint-v1", rule].into_iter().chain(ids) {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        let digest: [u8; 32] = hasher.finalize().into();
        let mut first = [0u8; 8];
        first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        Fingerprint(u64::from_be_bytes(first))
    }

    /// The fingerprint written as `text` (16 lowercase hex digits), if it is one.
    pub fn parse(text: &str) -> Option<Fingerprint> {
        is_fingerprint(text)
            .then(|| u64::from_str_radix(text, 16).ok())
            .flatten()
            .map(Fingerprint)
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl PartialEq<str> for Fingerprint {
    fn eq(&self, other: &str) -> bool {
        Fingerprint::parse(other) == Some(*self)
    }
}

/// Whether `text` has the shape of a fingerprint (16 lowercase hex digits).
pub fn is_fingerprint(text: &str) -> bool {
    text.len() == LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_published_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Two blocks, and a message whose padding needs an extra block.
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            hex(&sha256(&[b'a'; 1000])),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }

    #[test]
    fn fingerprint_ignores_order_and_duplicates() {
        let a = fingerprint("KB-Q151228-DUPLICATE-SERIAL", &["PO-RED", "PO-PAR"]);
        assert_eq!(
            a,
            fingerprint(
                "KB-Q151228-DUPLICATE-SERIAL",
                &["PO-PAR", "PO-RED", "PO-PAR"]
            )
        );
        assert!(is_fingerprint(&a), "{a}");
        let f = Fingerprint::of("KB-Q151228-DUPLICATE-SERIAL", &["PO-RED", "PO-PAR"]);
        assert_eq!(f.to_string(), a);
        assert_eq!(Fingerprint::parse(&a), Some(f));
        assert_eq!(Fingerprint::parse("not-a-fingerprint"), None);
        assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{a}\""));
        assert_ne!(
            a,
            fingerprint("KB-Q151228-TWO-DRIVES", &["PO-PAR", "PO-RED"])
        );
        // Length prefixes keep `a`+`bc` apart from `ab`+`c`.
        assert_ne!(
            fingerprint("R", &["a", "bc"]),
            fingerprint("R", &["ab", "c"])
        );
    }
}
