//! `kbcheck rules`: list the rules, as a table or JSON.

use super::load::load_rules;
use super::{Exit, Io, RuleArgs};
use crate::lang::Logic;
use crate::limits::Limits;
use clap::Args;

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Only rules for this KB article (e.g. Q151228).
    #[arg(long)]
    pub kb: Option<String>,
    /// Only rules whose products mention this text.
    #[arg(long)]
    pub product: Option<String>,
    /// Only rules with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Output as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn list_rules(a: &RulesArgs, io: &mut Io<'_>) -> Exit {
    let Some(set) = load_rules(&a.rules, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    let shown: Vec<_> = set
        .rules
        .iter()
        .filter(|r| {
            a.kb.as_ref()
                .is_none_or(|kb| r.meta.kb.iter().any(|k| k.eq_ignore_ascii_case(kb)))
        })
        .filter(|r| {
            a.product.as_ref().is_none_or(|p| {
                r.meta
                    .products
                    .iter()
                    .any(|x| x.to_lowercase().contains(&p.to_lowercase()))
            })
        })
        .filter(|r| a.tag.as_ref().is_none_or(|t| r.meta.tags.contains(t)))
        .collect();
    if a.json {
        let list: Vec<serde_json::Value> = shown
            .iter()
            .map(|r| serde_json::json!({"id": r.id, "severity": r.max_level(), "severity_text": r.severity_text(), "kb": r.meta.kb, "title": r.meta.title, "url": r.url(), "kind": kind_word(r), "tags": r.meta.tags, "file": r.file.name()}))
            .collect();
        let _ = writeln!(
            io.out,
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
        return Exit::Clean;
    }
    let width = shown.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let _ = writeln!(
        io.out,
        "{:width$}  {:8}  {:8}  {:10}  TITLE",
        "ID", "SEVERITY", "KIND", "KB"
    );
    for r in &shown {
        // The highest level the rule can report (SARIF's level too); `*` when it depends on
        // the entity (`kbcheck explain ID` says when).
        let sev = if r.is_derivation() {
            "-".to_owned()
        } else if r.severity.len() > 1 {
            format!("{}*", r.max_level().word())
        } else {
            r.max_level().word().to_owned()
        };
        let _ = writeln!(
            io.out,
            "{:width$}  {:8}  {:8}  {:10}  {}",
            r.id,
            sev,
            kind_word(r),
            r.meta.kb.join(","),
            r.meta.title
        );
    }
    if shown
        .iter()
        .any(|r| !r.is_derivation() && r.severity.len() > 1)
    {
        let _ = writeln!(
            io.out,
            "* the highest severity of a rule whose severity depends on the entity; `kbcheck explain ID` says when"
        );
    }
    let _ = writeln!(io.out, "{} rules", shown.len());
    Exit::Clean
}

fn kind_word(r: &crate::lang::Rule) -> &'static str {
    match r.logic {
        Logic::Check(_) => "check",
        Logic::Group(_) => "group",
        Logic::Derive(_) => "derive",
    }
}
