//! Knowledge Base article ids and their web addresses: the one place links to an article
//! are made, for every report format.
//!
//! Microsoft retired the old `support.microsoft.com/kb/NNNNNN` pages; the public archive of
//! these articles keeps one page per article at `kb/<thousands>/Q<number>/`, the thousands
//! written with three digits (`Q142196` → `kb/142/Q142196/`, `Q87194` → `kb/087/Q87194/`).

/// Where the public archive of the retired Knowledge Base articles lives.
pub const ARCHIVE: &str = "https://jeffpar.github.io/kbarchive/kb/";

/// The digits of a `Q`-id (`Q142196`, `q87194`) or a bare number (`142196`), as written
/// (leading zeros kept: the link names the id the rule gives), and the number they spell.
fn number(id: &str) -> Option<(&str, u32)> {
    let digits = id.strip_prefix(['Q', 'q']).unwrap_or(id);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(|n| (digits, n))
}

/// The archive folder of an article, relative to [`ARCHIVE`]: `Q142196` → `142/Q142196`,
/// the thousands in three digits and then the id (`Q000001` → `000/Q000001`). `None` for
/// ids that are not Knowledge Base `Q` numbers.
pub fn archive_path(id: &str) -> Option<String> {
    let (digits, n) = number(id)?;
    Some(format!("{:03}/Q{digits}", n / 1000))
}

/// The page of an article in the public archive:
/// `Q142196` → `https://jeffpar.github.io/kbarchive/kb/142/Q142196/`.
pub fn archive_url(id: &str) -> Option<String> {
    archive_path(id).map(|p| format!("{ARCHIVE}{p}/"))
}

/// The article's original (retired) Microsoft address: `Q142196` →
/// `https://support.microsoft.com/kb/142196`, kept as a second reference.
pub fn support_url(id: &str) -> Option<String> {
    number(id).map(|(digits, _)| format!("https://support.microsoft.com/kb/{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_folders_are_the_thousands_in_three_digits() {
        assert_eq!(
            archive_url("Q142196").as_deref(),
            Some("https://jeffpar.github.io/kbarchive/kb/142/Q142196/")
        );
        assert_eq!(archive_path("Q88778").as_deref(), Some("088/Q88778"));
        assert_eq!(archive_path("q87194").as_deref(), Some("087/Q87194"));
        assert_eq!(archive_path("101752").as_deref(), Some("101/Q101752"));
        assert_eq!(archive_path("Q999").as_deref(), Some("000/Q999"));
        // The id as written, not rewritten: `Q000001` is not `Q1`.
        assert_eq!(archive_path("Q000001").as_deref(), Some("000/Q000001"));
        assert_eq!(archive_path("q012345").as_deref(), Some("012/Q012345"));
        assert_eq!(
            support_url("Q000001").as_deref(),
            Some("https://support.microsoft.com/kb/000001")
        );
        assert_eq!(
            support_url("Q87194").as_deref(),
            Some("https://support.microsoft.com/kb/87194")
        );
        for not_an_id in ["", "Q", "KB-Q1", "Q12a", "Q-12", "CONTOSO-1"] {
            assert_eq!(archive_url(not_an_id), None, "{not_an_id}");
        }
    }
}
