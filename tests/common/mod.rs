//! Helpers the integration tests share: running kbcheck in-process, reading the labels miette
//! drew, scratch folders, and snapshot files.
#![allow(dead_code, reason = "each test binary uses the helpers it needs")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failed step is a failed test"
)]

use kbcheck::cli::{Exit, Io, run};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Run `kbcheck ARGS...` without colour; the exit code, stdout and stderr. Like the binary,
/// on a thread with the stack `main.rs` gives a command (a test thread has 2 MiB).
pub fn kbcheck(args: &[&str]) -> (Exit, String, String) {
    let argv: Vec<OsString> = std::iter::once("kbcheck")
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect();
    std::thread::Builder::new()
        .stack_size(kbcheck::limits::STACK_BYTES)
        .spawn(move || {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let exit = run(argv, &mut Io::new(&mut out, &mut err, false));
            (
                exit,
                String::from_utf8(out).unwrap(),
                String::from_utf8(err).unwrap(),
            )
        })
        .unwrap()
        .join()
        .unwrap()
}

/// Whether `text` contains `part` once miette's line wrapping (and the `│` it puts at the
/// start of continued message lines) is undone.
pub fn has(text: &str, part: &str) -> bool {
    let flat = |s: &str| {
        s.split_whitespace()
            .filter(|w| *w != "│")
            .collect::<Vec<_>>()
            .join(" ")
    };
    flat(text).contains(&flat(part))
}

/// The labels miette drew: (line number, underlined source text, label text). A point label
/// (`▲`, an empty span) reports the source from the point to the end of its line.
pub fn labels(stderr: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    let mut source: Option<(usize, Vec<char>)> = None;
    let mut runs: Vec<(usize, usize, bool)> = Vec::new();
    for line in stderr.lines() {
        let chars: Vec<char> = line.chars().collect();
        if let Some(bar) = chars.iter().position(|&c| c == '│')
            && let Ok(n) = chars[..bar]
                .iter()
                .collect::<String>()
                .trim()
                .parse::<usize>()
        {
            source = Some((n, chars));
            runs.clear();
            continue;
        }
        if !line.trim_start().starts_with('·') {
            continue;
        }
        let Some((n, src)) = &source else { continue };
        if let Some(corner) = chars.iter().position(|&c| c == '╰') {
            let label: String = chars[corner..].iter().collect();
            let label = label.trim_start_matches(['╰', '─', ' ']).to_owned();
            if let Some(&(a, b, point)) = runs.iter().find(|(a, b, _)| (*a..*b).contains(&corner)) {
                let end = if point { src.len() } else { b.min(src.len()) };
                let text: String = src.get(a..end).unwrap_or_default().iter().collect();
                found.push((*n, text.trim_end().to_owned(), label));
            }
        } else {
            runs.clear();
            let mut i = 0;
            while i < chars.len() {
                if matches!(chars[i], '─' | '┬' | '▲') {
                    let start = i;
                    while i < chars.len() && matches!(chars[i], '─' | '┬' | '▲') {
                        i += 1;
                    }
                    runs.push((start, i, chars[start] == '▲'));
                } else {
                    i += 1;
                }
            }
        }
    }
    found
}

/// Assert that miette underlined `text` on `line` with `label`.
#[track_caller]
pub fn assert_label(stderr: &str, line: usize, text: &str, label: &str) {
    let all = labels(stderr);
    assert!(
        all.iter()
            .any(|(n, t, l)| *n == line && t == text && l == label),
        "no label `{label}` under `{text}` on line {line}; labels drawn: {all:?}\n{stderr}"
    );
}

/// A fresh folder under the system temp dir, removed when the test ends.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("kbcheck-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The path of `name` in the folder, as a command-line argument.
    pub fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }

    /// Write `name` (creating folders on the way); its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        self.path(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Compare `actual` with `tests/snapshots/{dir}/{name}`, or write it there when
/// `KBCHECK_UPDATE_SNAPSHOTS=1`. `test` names the test binary, for the hint on mismatch.
#[track_caller]
pub fn snapshot(dir: &str, name: &str, actual: &str, test: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    assert!(
        !actual.contains(root),
        "{name}: the output holds the machine path `{root}`"
    );
    let shown = Path::new("tests/snapshots").join(dir).join(name);
    let path = Path::new(root).join(&shown);
    if std::env::var_os("KBCHECK_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {} differs from line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             if the change is intended, run `KBCHECK_UPDATE_SNAPSHOTS=1 cargo test --test {test}` and review the diff",
            shown.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end of file>"),
            actual.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}
