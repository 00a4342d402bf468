//! The documentation is the project's own: every link in the README and the pages under
//! `docs/` (and the other READMEs) points at a file of this repository that exists — and at a
//! heading of it that exists, for `file.md#heading` — never outside it. The one address
//! allowed outside is a KB article's, which the pages cite as a source.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "the test reads the repository's own pages: a failure to read one is a test failure"
)]

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Where KB articles live; the only address outside the repository a page may link to.
const KB_ARCHIVE: &str = kbcheck::kb::ARCHIVE;

/// The Markdown pages of the repository: README.md, docs/*.md and the other folders' READMEs.
fn pages() -> Vec<PathBuf> {
    let root = Path::new(ROOT);
    let mut pages = vec![root.join("README.md")];
    for dir in ["docs"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "md") {
                pages.push(e.path());
            }
        }
    }
    for readme in ["benches/README.md", "fuzz/README.md"] {
        if root.join(readme).is_file() {
            pages.push(root.join(readme));
        }
    }
    pages.sort();
    pages
}

/// The text of a page outside fenced code blocks and code spans (links there are not links).
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push('\n');
            continue;
        }
        if fenced {
            out.push('\n');
            continue;
        }
        // Drop code spans: a run of N backticks up to the next run of exactly N.
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '`' {
                let n = chars[i..].iter().take_while(|c| **c == '`').count();
                let mut j = i + n;
                let mut closed = None;
                while j < chars.len() {
                    let m = chars[j..].iter().take_while(|c| **c == '`').count();
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m.max(1);
                }
                match closed {
                    Some(end) => i = end,
                    None => {
                        out.extend(&chars[i..i + n]);
                        i += n;
                    }
                }
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out.push('\n');
    }
    out
}

/// The targets of inline links and images, `[text](target)`, and of reference definitions,
/// `[name]: target`.
fn links(prose: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = prose.as_bytes();
    for (at, _) in prose.match_indices("](") {
        let start = at + 2;
        let mut depth = 0;
        let mut end = start;
        while end < bytes.len() {
            match bytes[end] {
                b'(' => depth += 1,
                b')' if depth == 0 => break,
                b')' => depth -= 1,
                _ => {}
            }
            end += 1;
        }
        let target = prose[start..end].split_whitespace().next().unwrap_or("");
        found.push(target.trim_matches(['<', '>']).to_owned());
    }
    for line in prose.lines() {
        let line = line.trim_start();
        if line.starts_with('[')
            && let Some((label, target)) = line.split_once("]:")
            && !label.contains(' ')
        {
            found.push(target.trim().to_owned());
        }
    }
    found
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens.
fn anchors(text: &str) -> Vec<String> {
    prose(text)
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect()
        })
        .collect()
}

/// What is wrong with `target` as a link from `page`, if anything.
fn problem(page: &Path, target: &str) -> Option<String> {
    if target.starts_with(KB_ARCHIVE) {
        return None;
    }
    if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
        return Some("leaves the repository".to_owned());
    }
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let path = if file.is_empty() {
        page.to_path_buf()
    } else if file.starts_with('/') {
        return Some("is absolute: write it relative to the page".to_owned());
    } else {
        page.parent().unwrap().join(file)
    };
    let Ok(real) = path.canonicalize() else {
        return Some(format!("names `{}`, which does not exist", path.display()));
    };
    if !real.starts_with(Path::new(ROOT).canonicalize().unwrap()) {
        return Some("leaves the repository".to_owned());
    }
    if let Some(anchor) = anchor
        && real.extension().is_some_and(|x| x == "md")
        && !anchors(&std::fs::read_to_string(&real).unwrap()).contains(&anchor.to_owned())
    {
        return Some(format!("`#{anchor}`: `{}` has no such heading", file));
    }
    None
}

#[test]
fn every_link_in_the_docs_stays_in_the_repository_and_exists() {
    let mut checked = 0;
    let mut bad = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for target in links(&prose(&text)) {
            checked += 1;
            if let Some(why) = problem(&page, &target) {
                let shown = page.strip_prefix(ROOT).unwrap().display().to_string();
                bad.push(format!("{shown}: `{target}` {why}"));
            }
        }
    }
    assert!(
        checked > 20,
        "found only {checked} links: is the scan broken?"
    );
    assert!(bad.is_empty(), "broken links:\n{}", bad.join("\n"));
}

#[test]
fn the_link_check_refuses_what_it_should() {
    let readme = Path::new(ROOT).join("README.md");
    for target in [
        "../shared/DESIGN.md",
        "https://example.com/page",
        "https://support.microsoft.com/kb/151228",
        "https://jeffpar.github.io/kbarchive.example.org/kb/151/Q151228/",
        "docs/nowhere.md",
        "/etc/passwd",
        "docs/cli.md#no-such-heading",
        "#no-such-heading",
    ] {
        assert!(problem(&readme, target).is_some(), "`{target}` passed");
    }
    for target in [
        "docs/topology.md",
        "docs/cli.md#json-findings",
        "#quick-start",
        "https://jeffpar.github.io/kbarchive/kb/151/Q151228/",
    ] {
        assert_eq!(problem(&readme, target), None, "`{target}`");
    }
    // Links in code are not links; links in prose are.
    assert_eq!(
        links(&prose(
            "see `[a](http://x)` and\n```\n[b](http://y)\n```\n[c](docs/cli.md)\n[d]: e.md\n"
        )),
        ["docs/cli.md", "e.md"]
    );
}

/// docs/topology.md lists every node kind, link kind and tag of the bundled vocabulary, so the
/// page cannot fall behind it.
#[test]
fn the_topology_page_lists_every_kind_and_tag_of_the_bundled_vocabulary() {
    let root = Path::new(ROOT);
    let page = std::fs::read_to_string(root.join("docs/topology.md")).unwrap();
    let mut missing = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("schemas/vocabulary"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.iter().any(|f| f.ends_with("mail.yaml")));
    for path in files {
        let vocab: serde_json::Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for section in ["nodes", "links"] {
            let Some(kinds) = vocab[section].as_object() else {
                continue;
            };
            for kind in kinds.keys() {
                if !page.contains(&format!("| `{kind}` |")) {
                    missing.push(format!("{section}: `{kind}`"));
                }
            }
        }
        if let Some(tags) = vocab["tags"].as_object() {
            for tag in tags.keys() {
                if !page.contains(&format!("`{tag}`")) {
                    missing.push(format!("tag `{tag}`"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/topology.md does not list: {missing:?}"
    );
}
