//! Stable finding fingerprints: a finding's identity across runs and edits.
//!
//! A fingerprint is derived only from the rule id and the sorted ids of the entities
//! involved — never from line numbers, file names or messages — so reformatting or
//! reordering a topology keeps it, and `--base` diffs and waivers can key on it.
//!
//! It is the first 8 bytes (16 hex digits) of a SHA-256 digest over a length-prefixed
//! encoding of `kbcheck-fingerprint-v1`, the rule id and each entity id. SHA-256 is
//! implemented here (FIPS 180-4, checked against its published test vectors) rather than
//! pulled in as a crate: it is sixty lines, and a fingerprint needs no other digest.

/// The SARIF `partialFingerprints` key under which the fingerprint is published.
pub const SARIF_KEY: &str = "kbcheck/v1";

/// Length of a fingerprint in hex digits.
pub const LEN: usize = 16;

/// The fingerprint of a finding of `rule` about `entities` (in any order, duplicates ignored).
pub fn fingerprint<S: AsRef<str>>(rule: &str, entities: &[S]) -> String {
    let mut ids: Vec<&str> = entities.iter().map(AsRef::as_ref).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut data = Vec::new();
    for part in ["kbcheck-fingerprint-v1", rule].into_iter().chain(ids) {
        data.extend_from_slice(&(part.len() as u64).to_be_bytes());
        data.extend_from_slice(part.as_bytes());
    }
    hex(sha256(&data).get(..LEN / 2).unwrap_or_default())
}

/// Whether `text` has the shape of a fingerprint (16 lowercase hex digits).
pub fn is_fingerprint(text: &str) -> bool {
    text.len() == LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const K: [u32; 64] = [
    0x428a_2f98,
    0x7137_4491,
    0xb5c0_fbcf,
    0xe9b5_dba5,
    0x3956_c25b,
    0x59f1_11f1,
    0x923f_82a4,
    0xab1c_5ed5,
    0xd807_aa98,
    0x1283_5b01,
    0x2431_85be,
    0x550c_7dc3,
    0x72be_5d74,
    0x80de_b1fe,
    0x9bdc_06a7,
    0xc19b_f174,
    0xe49b_69c1,
    0xefbe_4786,
    0x0fc1_9dc6,
    0x240c_a1cc,
    0x2de9_2c6f,
    0x4a74_84aa,
    0x5cb0_a9dc,
    0x76f9_88da,
    0x983e_5152,
    0xa831_c66d,
    0xb003_27c8,
    0xbf59_7fc7,
    0xc6e0_0bf3,
    0xd5a7_9147,
    0x06ca_6351,
    0x1429_2967,
    0x27b7_0a85,
    0x2e1b_2138,
    0x4d2c_6dfc,
    0x5338_0d13,
    0x650a_7354,
    0x766a_0abb,
    0x81c2_c92e,
    0x9272_2c85,
    0xa2bf_e8a1,
    0xa81a_664b,
    0xc24b_8b70,
    0xc76c_51a3,
    0xd192_e819,
    0xd699_0624,
    0xf40e_3585,
    0x106a_a070,
    0x19a4_c116,
    0x1e37_6c08,
    0x2748_774c,
    0x34b0_bcb5,
    0x391c_0cb3,
    0x4ed8_aa4a,
    0x5b9c_ca4f,
    0x682e_6ff3,
    0x748f_82ee,
    0x78a5_636f,
    0x84c8_7814,
    0x8cc7_0208,
    0x90be_fffa,
    0xa450_6ceb,
    0xbef9_a3f7,
    0xc671_78f2,
];

const H0: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    let mut h = H0;
    for block in msg.chunks_exact(64) {
        compress(&mut h, block);
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn compress(h: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 64];
    for (slot, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *slot = <[u8; 4]>::try_from(bytes).map_or(0, u32::from_be_bytes);
    }
    for t in 16..64 {
        let at = |i: usize| w.get(i).copied().unwrap_or(0);
        let (w15, w2) = (at(t - 15), at(t - 2));
        let s0 = w15.rotate_right(7) ^ w15.rotate_right(18) ^ (w15 >> 3);
        let s1 = w2.rotate_right(17) ^ w2.rotate_right(19) ^ (w2 >> 10);
        let value = at(t - 16)
            .wrapping_add(s0)
            .wrapping_add(at(t - 7))
            .wrapping_add(s1);
        if let Some(slot) = w.get_mut(t) {
            *slot = value;
        }
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
    for (k, wt) in K.iter().zip(w) {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = hh
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(*k)
            .wrapping_add(wt);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        hh = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (x, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
        *x = x.wrapping_add(v);
    }
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
