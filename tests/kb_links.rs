//! KB links that open: every bundled rule links its articles to their pages in the public
//! KB archive (the retired `support.microsoft.com` address stays as a second reference), and
//! every article it cites is one the archive has (`tests/data/kbarchive-articles.txt`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a test failure"
)]

mod common;

use common::kbcheck;
use kbcheck::lang::load::{RuleSources, load};
use kbcheck::limits::Limits;
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// The archive's article folders the bundled rules may cite.
fn archive() -> BTreeSet<String> {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kbarchive-articles.txt"),
    )
    .unwrap()
    .lines()
    .map(str::trim)
    .filter(|l| !l.is_empty() && !l.starts_with('#'))
    .map(str::to_owned)
    .collect()
}

/// `https://jeffpar.github.io/kbarchive/kb/DDD/QNNNNN/`, the folder the thousands of NNNNN.
fn archive_shape(url: &str, id: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://jeffpar.github.io/kbarchive/kb/") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let [folder, article, ""] = parts.as_slice() else {
        return false;
    };
    let number: u32 = id.trim_start_matches('Q').parse().unwrap();
    folder.len() == 3
        && folder.parse::<u32>().ok() == Some(number / 1000)
        && *article == format!("Q{number}")
}

#[test]
fn every_bundled_rule_links_to_its_articles_in_the_archive() {
    let set = load(
        &RuleSources {
            bundled: true,
            paths: Vec::new(),
        },
        &Limits::default(),
    )
    .unwrap_or_else(|d| panic!("the bundled rules load: {d:?}"));
    assert!(set.rules.len() >= 30, "{} bundled rules", set.rules.len());
    let archive = archive();
    let mut cited = BTreeSet::new();
    for rule in &set.rules {
        let m = &rule.meta;
        assert!(!m.kb.is_empty(), "{} cites no article", rule.id);
        for id in &m.kb {
            let url = kbcheck::kb::archive_url(id)
                .unwrap_or_else(|| panic!("{}: `{id}` is not a Q number", rule.id));
            assert!(archive_shape(&url, id), "{}: {url}", rule.id);
            let folder = format!("kb/{}", kbcheck::kb::archive_path(id).unwrap());
            assert!(
                archive.contains(&folder),
                "{}: the archive has no `{folder}` (tests/data/kbarchive-articles.txt)",
                rule.id
            );
            cited.insert(folder);
            let support = kbcheck::kb::support_url(id).unwrap();
            let at = |u: &str| m.references.iter().position(|r| r == u);
            let (archived, original) = (at(&url), at(&support));
            assert!(
                archived.is_some() && original.is_some() && archived < original,
                "{}: references list the archive page {url}, then {support}: {:?}",
                rule.id,
                m.references
            );
        }
        assert_eq!(
            rule.url(),
            kbcheck::kb::archive_url(&m.kb[0]),
            "{}: reports link the first article's archive page",
            rule.id
        );
        for r in &m.references {
            assert!(
                r.starts_with("https://jeffpar.github.io/kbarchive/kb/")
                    || r.starts_with("https://support.microsoft.com/kb/"),
                "{}: unexpected reference {r}",
                rule.id
            );
        }
    }
    assert_eq!(
        cited, archive,
        "tests/data/kbarchive-articles.txt lists only articles the bundled rules cite"
    );
}

#[test]
fn every_format_links_the_archive_not_the_retired_pages() {
    let example = "examples/exchange-connector-backbone.yaml";
    let archive = "https://jeffpar.github.io/kbarchive/kb/151/Q151228/";
    for format in [
        "human", "json", "sarif", "junit", "markdown", "github", "html",
    ] {
        let (_, out, err) = kbcheck(&["check", "--no-config", "--format", format, example]);
        assert!(
            out.contains(archive),
            "{format}: no link to {archive}\n{out}{err}"
        );
    }
    let (_, out, _) = kbcheck(&["check", "--no-config", "--format", "sarif", example]);
    let doc: Json = serde_json::from_str(&out).unwrap();
    for d in doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        let help = d["helpUri"].as_str().unwrap();
        assert!(
            help.starts_with("https://jeffpar.github.io/kbarchive/kb/"),
            "{}: {help}",
            d["id"]
        );
    }
    let (_, out, _) = kbcheck(&["check", "--no-config", "--format", "json", example]);
    let doc: Json = serde_json::from_str(&out).unwrap();
    let dup = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KB-Q151228-DUPLICATE-SERIAL")
        .unwrap();
    assert_eq!(dup["url"], archive);
    // `kbcheck rules --json` gives the link too: a rule citing two articles, the first's.
    let (_, listed, _) = kbcheck(&["rules", "--json", "--kb", "Q101752"]);
    let rules: Json = serde_json::from_str(&listed).unwrap();
    assert_eq!(
        rules[0]["url"], "https://jeffpar.github.io/kbarchive/kb/118/Q118621/",
        "{rules}"
    );
}
