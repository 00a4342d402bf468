//! `kbcheck explain`: a rule's KB details and logic in plain words, or why it did or did not
//! fire on a topology.

use super::load::{load_one, load_rules, today};
use super::{Exit, Io, RuleArgs};
use crate::diagnostic::Diag;
use crate::lang::{Logic, Within};
use crate::limits::Limits;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The rule id.
    pub id: String,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Explain why the rule did or did not fire on this topology.
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
    /// With `--topology`: only this entity.
    #[arg(long, value_name = "ID", requires = "topology")]
    pub entity: Option<String>,
    /// "Today" for rules that compare dates, YYYY-MM-DD [default: $KBCHECK_TODAY, else the system date].
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

pub fn explain(a: &ExplainArgs, io: &mut Io<'_>) -> Exit {
    let Some(today) = today(a.today.as_deref(), io) else {
        return Exit::Invalid;
    };
    let Some(mut set) = load_rules(&a.rules, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    set.today = Some(today);
    let Some(rule) = set.get(&a.id) else {
        let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
        io.diag(
            &Diag::error(
                "cli::unknown_rule",
                format!("no rule has the id `{}`", a.id),
            )
            .help(crate::diagnostic::suggestion_help(&a.id, &ids, "rule ids")),
        );
        return Exit::Invalid;
    };
    let Some(path) = &a.topology else {
        let _ = io.out.write_all(describe_rule(rule).as_bytes());
        return Exit::Clean;
    };
    let Some((topo, _)) = load_one(path, &set, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    let only = match &a.entity {
        None => None,
        Some(id) => match topo.find(id) {
            Some(i) => Some(i),
            None => {
                let ids: Vec<&str> = topo.entities.iter().map(|e| e.id.as_str()).collect();
                io.diag(
                    &Diag::error(
                        "cli::unknown_entity",
                        format!("`{}` has no entity `{id}`", path.display()),
                    )
                    .help(crate::diagnostic::suggestion_help(id, &ids, "ids")),
                );
                return Exit::Invalid;
            }
        },
    };
    let _ = io
        .out
        .write_all(crate::explain::why(rule, &set, &topo, only).as_bytes());
    Exit::Clean
}

/// A rule's metadata and logic in plain words.
pub fn describe_rule(rule: &crate::lang::Rule) -> String {
    let m = &rule.meta;
    let mut s = format!("{}: {}\n", rule.id, m.title);
    let mut field = |name: &str, value: String| {
        if !value.is_empty() {
            s.push_str(&format!("\n{name}:\n"));
            for line in value.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
    };
    field("KB articles", m.kb.join(", "));
    field("Products", m.products.join("\n"));
    field("Symptoms", m.symptoms.join("\n"));
    field("Cause", m.cause.clone());
    field("Resolution", m.resolution.clone());
    field("References", m.references.join("\n"));
    let mut logic = Vec::new();
    let sel = &rule.select;
    let what = if sel.kinds.is_empty() {
        format!("every {}", sel.class.word())
    } else {
        format!("each {}", sel.kinds.join(" or "))
    };
    let tags = if sel.tags.is_empty() {
        String::new()
    } else {
        format!(" tagged {}", sel.tags.join(", "))
    };
    logic.push(format!(
        "Looks at {what}{tags}{}",
        if sel.cond.is_some() { " where:" } else { "" }
    ));
    if let Some(c) = &sel.cond {
        c.describe(1, &mut logic);
    }
    match &rule.logic {
        Logic::Check(None) => logic.push("and fires on every one of them.".to_owned()),
        Logic::Check(Some(c)) => {
            logic.push("and fires when:".to_owned());
            c.describe(1, &mut logic);
        }
        Logic::Group(g) => {
            let by: Vec<String> =
                g.by.iter()
                    .zip(g.each.iter().chain(std::iter::repeat(&false)))
                    .map(|(p, each)| {
                        if *each {
                            format!("each element of {}", p.describe())
                        } else {
                            p.describe()
                        }
                    })
                    .collect();
            let within = match &g.within {
                Within::Topology => "the whole topology".to_owned(),
                Within::Parent => "the same parent".to_owned(),
                Within::Site => "the same site".to_owned(),
                Within::Component(w) => {
                    format!("the same connected component over {}", w.describe())
                }
            };
            let size = match g.max {
                Some(m) => format!("between {} and {m}", g.min),
                None => format!("at least {}", g.min),
            };
            logic.push(format!(
                "groups them by {} within {within},",
                by.join(" and ")
            ));
            logic.push(format!(
                "and fires on each group of {size} members, naming every member."
            ));
        }
        Logic::Derive(d) => {
            if let Some(c) = &d.when {
                logic.push("when:".to_owned());
                c.describe(1, &mut logic);
            }
            let sets: Vec<String> = d
                .set
                .iter()
                .map(|(p, v)| format!("`{}` = {}", p.join("."), v.describe()))
                .collect();
            logic.push(format!(
                "and, where not written, derives {}.",
                sets.join(", ")
            ));
            if let Some(c) = &d.conflict {
                logic.push("Where a written value differs, it reports the entity:".to_owned());
                for (cond, level) in &c.severity {
                    match cond {
                        Some(w) => {
                            logic.push(format!("  severity {} when:", level.word()));
                            w.describe(2, &mut logic);
                        }
                        None => logic.push(format!("  severity {}.", level.word())),
                    }
                }
            }
        }
    }
    if !rule.is_derivation() {
        for (cond, level) in &rule.severity {
            match cond {
                Some(c) => {
                    logic.push(format!("Severity {} when:", level.word()));
                    c.describe(1, &mut logic);
                }
                None if rule.severity.len() > 1 => {
                    logic.push(format!("Otherwise severity {}.", level.word()))
                }
                None => logic.push(format!("Severity {}.", level.word())),
            }
        }
    }
    field("Logic", logic.join("\n"));
    s.push_str(&format!(
        "\nDefined in {}; {} test cases.\n",
        rule.file.name(),
        rule.tests.len()
    ));
    s
}
