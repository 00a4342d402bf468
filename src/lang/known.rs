//! Literals a rule compares an attribute with, checked against the values its vocabulary
//! knows (`enum` and `known`): `{field: product, equals: Exchange}` never matches a topology
//! that writes the known `exchange`, so the rule would go quiet. Such a literal is a load
//! warning (`rule::unknown_value`) with a suggestion; a pack that compares with a new value
//! declares it in its vocabulary's `known` list. A tag a rule selects or grades by is checked
//! the same way against the declared tags (`rule::unknown_tag`).

use crate::diagnostic::{Diag, Diags, did_you_mean};
use crate::lang::cond::{CondCx, FieldRef, Scope, Target};
use crate::lang::operators::CompareAs;
use crate::source::SourceFile;
use crate::value::{Node, Pos, Value};
use crate::vocabulary::{Class, Vocabulary};
use serde_json::Value as Json;

/// The operators whose literal argument is a value of the field (or, for `contains`, of an
/// element of the list field).
const COMPARING: &[&str] = &["equals", "not-equals", "in", "not-in", "contains"];

/// Warn about each literal of `arg` the vocabulary does not know for `field`.
pub fn check_literals(
    cx: &CondCx<'_>,
    field: &FieldRef,
    op: &str,
    arg: &Node,
    how: CompareAs,
    scope: &Scope,
    diags: &mut Diags,
) {
    if !COMPARING.contains(&op)
        || matches!(how, CompareAs::Version | CompareAs::Date | CompareAs::Time)
    {
        return;
    }
    let target_scope = match field.target {
        Target::Itself => scope.clone(),
        Target::Subject => cx.subject.clone(),
        Target::Parent | Target::From | Target::To | Target::Chain(_) => Scope {
            class: Class::Node,
            kinds: Vec::new(),
        },
    };
    let Some(known) = cx
        .vocab
        .known_values(target_scope.class, &target_scope.kinds, &field.path)
    else {
        return;
    };
    let literals: Vec<&Node> = match &arg.value {
        Value::List(items) if op.ends_with("in") => items.iter().collect(),
        // A map is a field operand, compared at run time.
        Value::Map(_) => Vec::new(),
        _ => vec![arg],
    };
    let texts: Vec<String> = known.iter().map(text).collect();
    for lit in literals {
        let json = lit.value.to_json();
        let shown = lit.value.display();
        let found = known.iter().zip(&texts).any(|(k, t)| {
            *k == json || (how == CompareAs::Caseless && t.eq_ignore_ascii_case(&shown))
        });
        if found || matches!(lit.value, Value::Null | Value::Bool(_)) {
            continue;
        }
        let names: Vec<&str> = texts.iter().map(String::as_str).collect();
        let guess = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(&shown))
            .copied()
            .or_else(|| did_you_mean(&shown, names.iter().copied()));
        let help = match guess {
            Some(g) => format!(
                "did you mean `{g}`? If `{shown}` is right, declare it in a vocabulary's `known` list for `{}`",
                field.path.join(".")
            ),
            None => format!(
                "the vocabulary knows {}; declare `{shown}` in a vocabulary's `known` list for `{}`",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                field.path.join(".")
            ),
        };
        diags.push(
            Diag::warning(
                "rule::unknown_value",
                format!(
                    "the rule compares `{}` with `{shown}`, a value no vocabulary knows",
                    field.path.join(".")
                ),
            )
            .at(cx.file, lit.pos, "no topology value matches it unseen")
            .help(help),
        );
    }
}

/// Warn about a tag a rule names that no vocabulary declares: it would never be on an entity
/// of a topology without a warning of its own, so the rule's selection or severity is dead.
pub fn check_tag(file: &SourceFile, vocab: &Vocabulary, tag: &str, pos: Pos, diags: &mut Diags) {
    if vocab.tag_known(tag) {
        return;
    }
    let names: Vec<&str> = vocab.tags.keys().map(String::as_str).collect();
    diags.push(
        Diag::warning(
            "rule::unknown_tag",
            format!("the rule names the tag `{tag}`, which no vocabulary declares"),
        )
        .at(file, pos, "not a declared tag")
        .help(format!(
            "{}; a pack declares its own tags under `tags:` in its vocabulary",
            crate::diagnostic::suggestion_help(tag, &names, "tags")
        )),
    );
}

/// A known value as a rule writes it.
fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
