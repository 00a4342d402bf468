//! Rule mistakes a docs-only author makes, each refused when the rule loads with a help that
//! says how to write what was meant: a compare mode the operator does not use, an
//! expression where an operator belongs, `of` on a `kind` condition, an unknown placeholder.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

mod common;

use common::{Scratch, assert_label, has, kbcheck};
use kbcheck::cli::Exit;

/// `check` with the one rule `select: {kind: postoffice}` whose `when` and `message` are
/// given (its `when` on line 4), on a postoffice `P` named `HQ`.
fn check(test: &str, when: &str, message: &str) -> (Exit, String, String) {
    let s = Scratch::new(test);
    let rule = format!(
        "id: T-MISTAKE\ntitle: t\nselect: {{kind: postoffice}}\nwhen: {when}\nseverity: warning\nmessage: \"{message}\"\n"
    );
    let file = s.write("rule.yaml", rule);
    let topo = s.write(
        "t.yaml",
        "version: 1\nnodes: [{id: P, kind: postoffice, name: HQ}]\n",
    );
    kbcheck(&["check", "--no-default-rules", "--rules", &file, &topo])
}

/// [`check`], refused: exit 2 with the code and the message.
#[track_caller]
fn refused(test: &str, when: &str, message: &str, code: &str, says: &str) -> String {
    let (exit, out, err) = check(test, when, message);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(
        has(&err, &format!("kbcheck::{code}")),
        "no `{code}`:\n{err}"
    );
    assert!(has(&err, says), "no `{says}`:\n{err}");
    err
}

#[test]
fn a_compare_mode_the_operator_does_not_use_is_refused() {
    // `matches` ignored `as: caseless`: `^hq$` did not match `HQ`, silently.
    let err = refused(
        "as-matches",
        "{field: name, as: caseless, matches: '^hq$'}",
        "m",
        "rule::bad_argument",
        "`as: caseless` does not apply to `matches`",
    );
    assert!(has(&err, "`matches: '(?i)^hq$'`"), "{err}");
    assert_label(&err, 4, "caseless", "this compare mode");
    for (when, says, help) in [
        (
            "{field: name, as: version, exists: true}",
            "`as: version` does not apply to `exists`",
            "test only whether a value is set",
        ),
        (
            "{field: name, as: version, starts-with: H}",
            "`as: version` does not apply to `starts-with`",
            "`starts-with` takes `as: caseless` or no `as`",
        ),
        (
            "{field: version, as: caseless, version: '>=3.0'}",
            "`as: caseless` does not apply to `version`",
            "`version` takes `as: version` or no `as`",
        ),
    ] {
        let err = refused("as-other", when, "m", "rule::bad_argument", says);
        assert!(has(&err, help), "{err}");
    }
}

#[test]
fn a_compare_mode_the_operator_uses_still_loads() {
    let (exit, out, err) = check("as-ok", "{field: name, as: caseless, equals: hq}", "m");
    assert_eq!(exit, Exit::Clean, "a warning finding only:\n{out}{err}");
    assert!(out.contains("T-MISTAKE"), "{out}");
}

#[test]
fn an_expression_where_an_operator_belongs_is_shown_wrapped_in_value() {
    for (when, rewritten) in [
        (
            "{field: install.source, any: {capture: {element: true}, extract: '^(.)', equals: ' '}}",
            "wrap the expression in `value:`: `{value: {capture: {element: true}, extract: '^(.)'}, equals: ' '}`",
        ),
        (
            "{capture: {field: name}, extract: '^(.)', equals: H}",
            "wrap the expression in `value:`: `{value: {capture: {field: name}, extract: '^(.)'}, equals: H}`",
        ),
    ] {
        let err = refused(
            "expr-in-value",
            when,
            "m",
            "rule::bad_condition",
            "an expression (capture, extract) is written where an operator belongs",
        );
        assert!(has(&err, rewritten), "{err}");
    }
}

#[test]
fn of_on_a_kind_condition_is_refused_with_the_field_form() {
    let err = refused(
        "kind-of",
        "{kind: server, of: parent}",
        "m",
        "rule::unknown_key",
        "unexpected key `of` in a `kind` condition",
    );
    assert!(
        has(
            &err,
            "the kind of another entity is tested as a field: `{field: kind, of: parent, equals: server}`"
        ),
        "{err}"
    );
    let err = refused(
        "kinds-of",
        "{kind: [server, mta], of: parent}",
        "m",
        "rule::unknown_key",
        "unexpected key `of` in a `kind` condition",
    );
    assert!(
        has(&err, "`{field: kind, of: parent, in: [server, mta]}`"),
        "{err}"
    );
}

#[test]
fn an_unknown_placeholder_is_a_bad_message() {
    let err = refused(
        "placeholder-field",
        "{field: name, exists: true}",
        "{nope}",
        "rule::bad_message",
        "unknown placeholder `{nope}`: no vocabulary declares `nope` on `postoffice`",
    );
    assert!(!err.contains("unknown_field"), "{err}");
}
