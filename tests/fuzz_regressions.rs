//! Every input the fuzzers found a crash with (minimized, in `tests/fuzz-regressions/TARGET/`)
//! is replayed through the same code as the fuzz target that found it (`fuzz/harness.rs`):
//! no panic, and a refused input is refused with a clean diagnostic (a `kbcheck::` code, a
//! one-line message). The fuzzers themselves never run here: see `fuzz/README.md`.

#[path = "../fuzz/harness.rs"]
mod harness;

use harness::Outcome;
use std::path::PathBuf;

/// The regression inputs of one target, sorted by name.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            std::fs::read(e.path()).ok().map(|bytes| (name, bytes))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn topology_regressions_load_or_are_refused_cleanly() {
    let cases = inputs("topology");
    assert!(!cases.is_empty(), "no topology regression inputs");
    for (name, bytes) in cases {
        // Panics (with the input's name in the test output) on a crash or an unclean refusal.
        let outcomes = harness::topology(&bytes);
        assert_eq!(outcomes.len(), 2, "{name}: as YAML and as JSON");
    }
}

#[test]
fn rule_regressions_compile_or_are_refused_cleanly() {
    let cases = inputs("rule");
    assert!(!cases.is_empty(), "no rule regression inputs");
    for (name, bytes) in cases {
        let outcome = harness::rule(&bytes);
        if let Outcome::Refused(codes) = &outcome {
            assert!(!codes.is_empty(), "{name}: refused without a code");
        }
    }
}

#[test]
fn check_regressions_are_checked_or_refused_cleanly() {
    for (name, bytes) in inputs("check") {
        let outcome = harness::check(&bytes);
        if let Outcome::Refused(codes) = &outcome {
            assert!(!codes.is_empty(), "{name}: refused without a code");
        }
    }
}

/// The crashes found so far, and what each is now: refused with this code.
#[test]
fn each_crash_found_is_now_a_clean_refusal() {
    let cases: &[(&str, &str, &str)] = &[
        // A JSON syntax error quoting the line break it found printed it raw, on two lines.
        (
            "topology",
            "json-newline-in-message.yaml",
            "kbcheck::parse::syntax",
        ),
        // A message placeholder running over a line break put the break in the message.
        (
            "rule",
            "placeholder-with-line-break.yaml",
            "kbcheck::rule::bad_message",
        ),
    ];
    for (target, name, code) in cases {
        let bytes = std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fuzz-regressions")
                .join(target)
                .join(name),
        )
        .unwrap_or_else(|e| panic!("{target}/{name}: {e}"));
        let outcomes = match *target {
            "topology" => harness::topology(&bytes),
            "rule" => vec![harness::rule(&bytes)],
            _ => vec![harness::check(&bytes)],
        };
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Outcome::Refused(codes) if codes.iter().any(|c| c == code))),
            "{target}/{name}: expected a refusal with `{code}`, got {outcomes:?}"
        );
    }
}
