//! The rule language, in one place: what a rule file says once compiled, how each construct
//! is compiled from its YAML form and how it evaluates, and the set of rules a run uses.
//!
//! `load` finds rule files (bundled, folders, globs, packs); `compile` turns one file's
//! tree into a [`Rule`], checking every name; `cond` (conditions), `operators` (one file
//! each), `relation` (walks over parents, children and links) and `template` (messages)
//! hold each construct's compilation beside its evaluation, against the context `env`
//! defines. [`RuleSet`] indexes rules by the kinds they select so the engine dispatches
//! instead of scanning. This module never imports the engine, findings, reports or the
//! command line: they read it.

pub mod binding;
pub mod cases;
pub mod compile;
pub mod cond;
pub mod env;
pub mod expr;
pub mod group;
pub mod known;
pub mod lets;
pub mod load;
pub mod named;
pub mod operators;
pub mod placeholder;
pub mod quantifier;
pub mod relation;
pub mod relative;
pub mod template;

use crate::lang::cond::Cond;
use crate::lang::relation::Walk;
use crate::source::SourceFile;
use crate::topology::Path;
use crate::value::{Node, Pos};
use crate::vocabulary::{Class, Vocabulary};
use serde::Serialize;
use std::collections::BTreeMap;
use template::Message;

/// Finding severity, ordered `info` < `warning` < `error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub const NAMES: &'static [&'static str] = &["error", "warning", "info"];

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "info" => Some(Level::Info),
            _ => None,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

/// What a rule says about its KB article.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Meta {
    pub title: String,
    pub kb: Vec<String>,
    pub products: Vec<String>,
    pub symptoms: Vec<String>,
    pub cause: String,
    pub resolution: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
}

/// Which entities a rule looks at.
#[derive(Debug)]
pub struct Select {
    pub class: Class,
    /// Kinds selected (empty: every kind of the class).
    pub kinds: Vec<String>,
    /// Tags every selected entity must carry.
    pub tags: Vec<String>,
    pub cond: Option<Cond>,
}

/// The scope a group is formed within.
#[derive(Debug)]
pub enum Within {
    Topology,
    Parent,
    Site,
    /// The connected component over a walk (link kinds, containment).
    Component(Walk),
}

/// Group selected entities by key within a scope; fire when a group's size is in range.
#[derive(Debug)]
pub struct GroupSpec {
    /// The key values: a field (`serial`) or an expression (`{upper: {field: network}}`).
    pub by: Vec<crate::lang::expr::Expr>,
    /// For each `by` entry: whether it was written `{each: path}`, so an entity joins one
    /// group per element of that list field.
    pub each: Vec<bool>,
    /// For each `by` entry: with `{each: path, value: EXPR}`, the key computed from each
    /// element (`{element: true}` reads it), e.g. the element ignoring case.
    pub element_keys: Vec<Option<crate::lang::expr::Expr>>,
    pub within: Within,
    pub min: u64,
    pub max: Option<u64>,
}

/// Values a KB article implies for selected entities that do not set them.
#[derive(Debug)]
pub struct DeriveSpec {
    /// Attribute paths and their values: literals, or expressions computed per entity.
    pub set: Vec<(Vec<String>, crate::lang::expr::Expr)>,
    /// Where the article's condition holds (always, if none).
    pub when: Option<Cond>,
    /// What a written value that differs from the implied one means (none: the written
    /// value wins silently).
    pub conflict: Option<Conflict>,
}

/// A derivation's finding for an entity whose written value differs from the implied one.
#[derive(Debug)]
pub struct Conflict {
    /// Conditional levels, first match wins; the last has no condition.
    pub severity: Vec<(Option<Cond>, Level)>,
    pub message: template::Template,
}

/// What a rule does with its selected entities.
#[derive(Debug)]
pub enum Logic {
    /// Fire on each selected entity where the condition holds (always, if none).
    Check(Option<Cond>),
    Group(GroupSpec),
    Derive(DeriveSpec),
}

/// A finding a test case expects.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The entity ids, sorted.
    pub entities: Vec<String>,
    /// The severity, if the case states it.
    pub severity: Option<Level>,
    /// `at-least: true`: the finding names these entities and possibly more (a group with
    /// further members); otherwise exactly these.
    pub at_least: bool,
}

impl Expected {
    /// Whether a finding on `got` (sorted ids) at `level` is this one.
    pub fn matches(&self, got: &[String], level: Level) -> bool {
        let entities = if self.at_least {
            self.entities.iter().all(|e| got.binary_search(e).is_ok())
        } else {
            got == self.entities.as_slice()
        };
        entities && self.severity.is_none_or(|s| s == level)
    }

    /// The entities as a case report shows them: `[A, B]`, or `[A, B, ...]` for at least.
    pub fn shown(&self) -> String {
        let more = if self.at_least { ", ..." } else { "" };
        format!("[{}{more}]", self.entities.join(", "))
    }
}

/// A rule's own test case, kept as written and run by `kbcheck test`.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    pub topology: Node,
    /// The file the topology was read from (`topology-file`); none: the rule file.
    pub file: Option<SourceFile>,
    /// Expected findings. Empty: must not fire.
    pub expect: Vec<Expected>,
    /// `inconclusive: [ids]`: the entities the rule must be unable to decide, exactly (for
    /// every entity, planned or not); unchecked when the case does not say.
    pub inconclusive: Option<Vec<String>>,
    /// `today: YYYY-MM-DD`: the date the case runs on, so cases about dates are deterministic.
    pub today: Option<crate::date::Date>,
    pub todo: bool,
    /// `strict: false`: words no vocabulary knows in the case's topology are allowed (a
    /// value written in another letter case, on purpose); by default they fail the case.
    pub strict: bool,
    pub pos: Pos,
}

/// What a finding names of its rule: the id and the KB articles, shared by the rule's
/// findings ([`Rule::name`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleName {
    pub id: String,
    pub kb: Vec<String>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    /// The id and KB articles every finding of the rule points to (one copy per rule).
    pub name: std::sync::Arc<RuleName>,
    pub meta: Meta,
    pub select: Select,
    pub logic: Logic,
    /// Conditional levels, first match wins; the last has no condition.
    pub severity: Vec<(Option<Cond>, Level)>,
    pub message: Message,
    /// Bindings each finding names besides the selected entity (`report`): one finding per
    /// distinct combination of their entities.
    pub report: Vec<String>,
    /// Whether the rule's selection or condition binds anything (`bind`).
    pub binds: bool,
    pub tests: Vec<TestCase>,
    pub file: SourceFile,
    pub pos: Pos,
}

impl Rule {
    pub fn is_derivation(&self) -> bool {
        matches!(self.logic, Logic::Derive(_))
    }

    /// Whether the rule can report findings: checks and groups, and derivations that say
    /// what a conflicting written value means (`conflict`).
    pub fn reports(&self) -> bool {
        match &self.logic {
            Logic::Derive(d) => d.conflict.is_some(),
            Logic::Check(_) | Logic::Group(_) => true,
        }
    }

    /// The level shown in listings: the unconditional default.
    pub fn default_level(&self) -> Level {
        self.severity.last().map_or(Level::Error, |s| s.1)
    }

    /// The rule's severity in words: "error", or for a conditional severity each level with
    /// its condition ("error when: tagged `production`; else warning").
    pub fn severity_text(&self) -> String {
        if self.severity.len() <= 1 {
            return self.max_level().word().to_owned();
        }
        let parts: Vec<String> = self
            .severity
            .iter()
            .map(|(cond, level)| match cond {
                Some(c) => {
                    let mut lines = Vec::new();
                    c.describe(0, &mut lines);
                    let words: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
                    format!("{} when: {}", level.word(), words.join(" "))
                }
                None => format!("else {}", level.word()),
            })
            .collect();
        parts.join("; ")
    }

    /// Highest level the rule can report.
    pub fn max_level(&self) -> Level {
        self.severity
            .iter()
            .map(|s| s.1)
            .max()
            .unwrap_or(Level::Error)
    }

    /// The KB article's address, for reports: the first article's page in the public KB
    /// archive, else the first web reference, else Microsoft's address for the first id.
    pub fn url(&self) -> Option<String> {
        self.meta
            .kb
            .iter()
            .find_map(|k| crate::kb::archive_url(k))
            .or_else(|| {
                self.meta
                    .references
                    .iter()
                    .find(|r| r.starts_with("http"))
                    .cloned()
            })
            .or_else(|| self.meta.kb.first().and_then(|k| crate::kb::support_url(k)))
    }
}

/// Everything a run checks with: the vocabulary and the compiled rules.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub vocab: Vocabulary,
    /// Sorted by id.
    pub rules: Vec<Rule>,
    /// Packs loaded (name, version).
    pub packs: Vec<(String, String)>,
    /// Which entities an undecidable rule is reported as inconclusive for.
    pub inconclusive: InconclusiveFor,
    /// Warnings from loading (a rule comparing with a value no vocabulary knows).
    pub warnings: crate::diagnostic::Diags,
    /// "Today" for rules that compare dates (`--today`, else `$KBCHECK_TODAY`, as for
    /// waivers); `None`: the system date when the run starts.
    pub today: Option<crate::date::Date>,
}

/// Which entities get inconclusive results when a rule needs a value that is not set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum InconclusiveFor {
    /// Entities tagged `planned`: in a plan, a value left out is not known yet. Elsewhere
    /// the topology describes what exists, and a rule that needs an absent value does not fire.
    #[default]
    Planned,
    /// Every entity (an as-built inventory with gaps).
    All,
}

impl RuleSet {
    pub fn get(&self, id: &str) -> Option<&Rule> {
        // Sorted by id when loaded: a binary search; a set built otherwise is searched.
        match self.rules.binary_search_by(|r| r.id.as_str().cmp(id)) {
            Ok(i) => self.rules.get(i),
            Err(_) => self.rules.iter().find(|r| r.id == id),
        }
    }

    /// Entities a rule selects, from the kind index.
    pub fn candidates(rule: &Rule, topo: &crate::topology::Topology) -> Vec<crate::topology::Idx> {
        if rule.select.kinds.is_empty() {
            let range = match rule.select.class {
                Class::Node => 0..topo.node_count,
                Class::Link => topo.node_count..topo.len(),
            };
            return range
                .filter_map(|i| crate::topology::Idx::try_from(i).ok())
                .collect();
        }
        let mut out: Vec<crate::topology::Idx> = rule
            .select
            .kinds
            .iter()
            .flat_map(|k| topo.of_kind(rule.select.class, k).iter().copied())
            .collect();
        if rule.select.kinds.len() > 1 {
            out.sort_unstable();
        }
        out
    }

    /// Rules grouped by the kinds they select (for listings and dispatch).
    pub fn by_kind(&self) -> BTreeMap<&str, Vec<&Rule>> {
        let mut map: BTreeMap<&str, Vec<&Rule>> = BTreeMap::new();
        for r in &self.rules {
            if r.select.kinds.is_empty() {
                map.entry("*").or_default().push(r);
            }
            for k in &r.select.kinds {
                map.entry(k.as_str()).or_default().push(r);
            }
        }
        map
    }
}

/// Display a field path.
pub fn path_text(p: &Path) -> String {
    p.join(".")
}
