//! Waivers: accountable, expiring exceptions to findings.
//!
//! A waivers file (`--waivers FILE`, or `waivers:` in `kbcheck.yaml`; schema
//! `schemas/waivers.schema.json`) lists waivers. Each names what it covers — a `rule` with
//! `entities` (ids or glob patterns), or a finding's `fingerprint` — and who accepted it
//! (`owner`), why (`reason`) and until when (`expires`, the first day it no longer applies).
//! `files` (glob patterns relative to the waivers file's folder) limits a waiver to the
//! topology files it was written for: the same ids in another topology (another site's copy
//! of a plan) are another finding. A waiver without `files` that matches findings in more than
//! one topology file is reported, since it may hide a finding it was never meant for.
//!
//! Loading checks everything and collects every error, each with a span: a gate must never
//! pass because a waiver was misread. Applying marks covered findings as waived (they are
//! still reported, but do not count toward `--fail-on`) and reports expired and unused
//! waivers as warnings.

use crate::date::{Date, TODAY_ENV};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::finding::Waived;
use crate::fingerprint::{Fingerprint, is_fingerprint};
use crate::gate::Checked;
use crate::lang::RuleSet;
use crate::limits::Limits;
use crate::parse::{parse_document, read_file};
use crate::reader::{MapReader, string_list};
use crate::source::SourceFile;
use crate::value::{Node, Pos, Value};
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// Keys at the top of a waivers file.
pub const FILE_KEYS: &[&str] = &["$schema", "version", "waivers"];
/// Keys of one waiver.
pub const WAIVER_KEYS: &[&str] = &[
    "rule",
    "entities",
    "fingerprint",
    "files",
    "reason",
    "owner",
    "expires",
];

/// One waiver, checked.
#[derive(Debug)]
pub struct Waiver {
    /// The rule id it covers (required with `entities`).
    pub rule: Option<String>,
    /// Entity id patterns as written, compiled; every entity of a finding must match one.
    pub entities: Vec<(String, glob::Pattern)>,
    /// The fingerprint of the one finding it covers.
    pub fingerprint: Option<String>,
    /// Topology file patterns (relative to the waivers file's folder) it applies to; empty:
    /// every topology of the run.
    pub files: Vec<(String, glob::Pattern)>,
    pub reason: String,
    pub owner: String,
    /// The first day the waiver no longer applies.
    pub expires: Date,
    /// Where the waiver starts, where it says what it covers, and its `expires` value.
    pub pos: Pos,
    pub target_pos: Pos,
    pub expires_pos: Pos,
}

impl Waiver {
    /// What the waiver covers, in words: ``KB-X` on `PO-*``, or `fingerprint `…``.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = &self.rule {
            parts.push(format!("`{r}`"));
        }
        if !self.entities.is_empty() {
            let list: Vec<String> = self
                .entities
                .iter()
                .map(|(t, _)| format!("`{t}`"))
                .collect();
            parts.push(format!("on {}", list.join(", ")));
        }
        if let Some(fp) = &self.fingerprint {
            parts.push(format!("with fingerprint `{fp}`"));
        }
        if !self.files.is_empty() {
            let list: Vec<String> = self.files.iter().map(|(t, _)| format!("`{t}`")).collect();
            parts.push(format!("in {}", list.join(", ")));
        }
        parts.join(" ")
    }

    /// Whether the waiver applies to the topology file `path` (relative to the waivers file's
    /// folder, `/`-separated).
    pub fn covers_file(&self, path: &str) -> bool {
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..glob::MatchOptions::new()
        };
        self.files.is_empty()
            || self
                .files
                .iter()
                .any(|(_, p)| p.matches_with(path, options))
    }

    /// Whether the waiver covers a finding of `rule` with `fingerprint` about entities `ids`.
    pub fn matches(&self, rule: &str, fingerprint: Fingerprint, ids: &[&str]) -> bool {
        self.rule.as_deref().is_none_or(|r| r == rule)
            && self
                .fingerprint
                .as_deref()
                .is_none_or(|fp| fingerprint == *fp)
            && (self.entities.is_empty()
                || ids
                    .iter()
                    .all(|id| self.entities.iter().any(|(_, p)| p.matches(id))))
    }

    /// Expired on or after its `expires` day.
    pub fn expired(&self, today: Date) -> bool {
        today >= self.expires
    }
}

/// A loaded waivers file.
#[derive(Debug)]
pub struct Waivers {
    pub file: SourceFile,
    pub list: Vec<Waiver>,
    /// The folder `files` patterns are relative to: the waivers file's, as an absolute path.
    pub dir: std::path::PathBuf,
}

/// What became of a waiver in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// In force, and covers at least one finding.
    Active,
    /// Past its `expires` day: it waives nothing and is reported.
    Expired,
    /// In force but covers no finding: reported so stale waivers are removed.
    Unused,
}

/// One waiver as applied in a run: what it says, its state, and what it matched.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub rule: Option<String>,
    pub entities: Vec<String>,
    pub fingerprint: Option<String>,
    /// The topology file patterns it is limited to (none: every topology).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    pub reason: String,
    pub owner: String,
    pub expires: Date,
    pub line: u32,
    pub column: u32,
    pub state: State,
    /// Fingerprints of the findings it matched (an expired waiver matches but waives nothing).
    pub matched: Vec<Fingerprint>,
    /// What it covers, in words (not serialised).
    #[serde(skip)]
    pub description: String,
}

/// The result of applying waivers: each waiver's state and the warnings about them.
#[derive(Debug)]
pub struct Outcome {
    pub file: String,
    pub today: Date,
    /// Every waiver, in file order.
    pub waivers: Vec<Applied>,
    /// Expired and unused waivers, as warnings pointing into the waivers file.
    pub problems: Diags,
}

/// "Today" for waiver expiry: `--today`, else `$KBCHECK_TODAY`, else the system date.
pub fn today(flag: Option<&str>) -> Result<Date, Diag> {
    let (text, source) = match (flag, std::env::var(TODAY_ENV).ok()) {
        (Some(t), _) => (t.to_owned(), "`--today`".to_owned()),
        (None, Some(t)) if !t.is_empty() => (t, format!("the environment variable `{TODAY_ENV}`")),
        _ => return Ok(Date::system_today()),
    };
    Date::parse(text.trim()).map_err(|message| {
        Diag::error("cli::bad_date", format!("{source}: {message}"))
            .help("give today's date as `YYYY-MM-DD`, e.g. `--today 2025-06-30`")
    })
}

/// Read and check a waivers file against the rules that were loaded.
pub fn load(path: &Path, rules: &RuleSet) -> Result<Waivers, Diags> {
    let limits = Limits::default();
    let file = read_file(path, &limits)?;
    let tree = parse_document(&file, &limits).map_err(|d| {
        if d.code == "kbcheck::parse::empty" {
            d.help("a waivers file starts with `waivers:` and lists waivers; see `kbcheck schema waivers`")
        } else {
            d
        }
    })?;
    compile(&file, &tree, rules)
}

/// Check a parsed waivers file, collecting every error.
pub fn compile(file: &SourceFile, root: &Node, rules: &RuleSet) -> Result<Waivers, Diags> {
    let mut diags = Diags::default();
    let mut list = Vec::new();
    if let Some(mut top) = MapReader::new(file, root, "waiver", "a waivers file", &mut diags) {
        let _ = top.take("$schema");
        if let Some(v) = top.take("version")
            && v.value != Value::Int(1)
        {
            diags.push(
                Diag::error(
                    "waiver::version",
                    format!("unsupported waivers file version `{}`", v.value.display()),
                )
                .at(file, v.pos, "this version")
                .help("write `version: 1`, or leave `version` out"),
            );
        }
        match top.take("waivers") {
            None => diags.push(
                top.missing("waivers", "the waivers file")
                    .help("list the waivers under `waivers:`"),
            ),
            Some(node) => match &node.value {
                Value::List(items) => {
                    for item in items {
                        if let Some(w) = waiver(file, item, rules, &mut diags) {
                            list.push(w);
                        }
                    }
                }
                Value::Null => {}
                other => diags.push(top.type_error("waivers", node, "a list of waivers", other)),
            },
        }
        top.finish(FILE_KEYS, "the waivers file", &mut diags);
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        let dir = Path::new(file.name())
            .parent()
            .map(absolute)
            .unwrap_or_else(|| absolute(Path::new("")));
        Ok(Waivers {
            file: file.clone(),
            list,
            dir,
        })
    }
}

fn waiver(file: &SourceFile, node: &Node, rules: &RuleSet, diags: &mut Diags) -> Option<Waiver> {
    let errors_before = diags.iter().filter(|d| d.is_error()).count();
    let mut r = MapReader::new(file, node, "waiver", "a waiver", diags)?;
    let rule = r.string("rule", diags);
    if let Some((id, pos)) = rule {
        match rules.get(id) {
            None => {
                let ids: Vec<&str> = rules
                    .rules
                    .iter()
                    .filter(|r| r.reports())
                    .map(|r| r.id.as_str())
                    .collect();
                diags.push(
                    Diag::error("waiver::unknown_rule", format!("no rule has the id `{id}`"))
                        .at(file, pos, "not a rule that was loaded")
                        .help(suggestion_help(id, &ids, "rule ids")),
                );
            }
            Some(found) if !found.reports() => diags.push(
                Diag::error(
                    "waiver::derivation_rule",
                    format!("rule `{id}` derives values and never reports a finding"),
                )
                .at(file, pos, "nothing to waive")
                .help("waive the rule that reports the finding; `kbcheck rules` lists them"),
            ),
            Some(_) => {}
        }
    }
    let entities = r
        .take("entities")
        .map(|n| (patterns(file, n, diags), n.pos));
    let files = r
        .take("files")
        .map(|n| file_patterns(file, n, diags))
        .unwrap_or_default();
    let fingerprint = r.string("fingerprint", diags);
    if let Some((fp, pos)) = fingerprint
        && !is_fingerprint(fp)
    {
        diags.push(
            Diag::error(
                "waiver::bad_fingerprint",
                format!("`{fp}` is not a finding fingerprint"),
            )
            .at(file, pos, "expected 16 lowercase hex digits")
            .help("copy the `fingerprint` of the finding from `kbcheck check --format json`"),
        );
    }
    let reason = required_text(&mut r, "reason", "why the finding is accepted", diags);
    let owner = required_text(&mut r, "owner", "who accepted it (a person or team)", diags);
    let expires = expires(&mut r, file, diags);
    match (&rule, &entities, &fingerprint) {
        (_, None, None) => diags.push(
            Diag::error("waiver::no_target", "the waiver names no `entities` and no `fingerprint`")
                .at(file, node.pos, "covers nothing")
                .help("add `rule` with `entities: [ID, ...]` (ids or glob patterns such as `PO-*`), or the finding's `fingerprint`"),
        ),
        (None, Some((_, pos)), _) => diags.push(
            Diag::error("waiver::missing_rule", "a waiver with `entities` needs a `rule`")
                .at(file, *pos, "entities of which rule?")
                .help("add `rule: RULE-ID`; `kbcheck rules` lists the rule ids"),
        ),
        _ => {}
    }
    r.finish(WAIVER_KEYS, "a waiver", diags);
    if diags.iter().filter(|d| d.is_error()).count() > errors_before {
        return None;
    }
    let target_pos = rule
        .map(|(_, p)| p)
        .or(fingerprint.map(|(_, p)| p))
        .unwrap_or(node.pos);
    let (expires, expires_pos) = expires?;
    Some(Waiver {
        rule: rule.map(|(id, _)| id.to_owned()),
        entities: entities.map(|(e, _)| e).unwrap_or_default(),
        fingerprint: fingerprint.map(|(fp, _)| fp.to_owned()),
        files,
        reason: reason?,
        owner: owner?,
        expires,
        pos: node.pos,
        target_pos,
        expires_pos,
    })
}

/// `entities`: entity ids or glob patterns.
fn patterns(file: &SourceFile, node: &Node, diags: &mut Diags) -> Vec<(String, glob::Pattern)> {
    globs(
        file,
        node,
        (
            "entities",
            "waiver::empty_entities",
            "`entities` lists no entity",
        ),
        "name the entity ids the waiver covers, or glob patterns such as `PO-*`",
        "use an entity id, or a glob such as `PO-*` or `LINK-[AB]`",
        diags,
    )
}

/// `files`: topology file patterns, relative to the waivers file's folder.
fn file_patterns(
    file: &SourceFile,
    node: &Node,
    diags: &mut Diags,
) -> Vec<(String, glob::Pattern)> {
    globs(
        file,
        node,
        ("files", "waiver::empty_files", "`files` lists no file"),
        "name the topology files the waiver is for, relative to the waivers file (`plans/contoso.yaml`, `plans/*.yaml`), or leave `files` out",
        "use a file path relative to the waivers file, or a glob such as `plans/*.yaml`",
        diags,
    )
}

/// A list of glob patterns under `key` (one or more); `(key, code, message)` of the error
/// for an empty list, and the help for it and for a pattern that does not compile. A
/// leading `./` is ignored, so `./plans/x.yaml` names `plans/x.yaml`.
fn globs(
    file: &SourceFile,
    node: &Node,
    (key, empty_code, empty_message): (&str, &str, &str),
    empty_help: &str,
    bad_help: &str,
    diags: &mut Diags,
) -> Vec<(String, glob::Pattern)> {
    let Some(list) = string_list(file, node, "waiver", key, diags) else {
        return Vec::new();
    };
    if list.is_empty() {
        diags.push(
            Diag::error(empty_code, empty_message)
                .at(file, node.pos, "empty list")
                .help(empty_help),
        );
    }
    let mut out = Vec::new();
    for (text, pos) in list {
        match glob::Pattern::new(text.trim_start_matches("./")) {
            Ok(p) => out.push((text.to_owned(), p)),
            Err(e) => diags.push(
                Diag::error(
                    "waiver::bad_pattern",
                    format!("`{text}` is not a valid pattern: {}", e.msg),
                )
                .at(file, pos, "this pattern")
                .help(bad_help),
            ),
        }
    }
    out
}

/// `path` made absolute against the current folder, with `.` and `..` resolved by name.
fn absolute(path: &Path) -> std::path::PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = std::path::PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `file` relative to the folder `dir` (both absolute), `/`-separated, with `..` where it
/// lies outside.
fn relative(dir: &Path, file: &Path) -> String {
    let (d, f): (Vec<_>, Vec<_>) = (dir.components().collect(), file.components().collect());
    let common = d.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); d.len().saturating_sub(common)];
    parts.extend(
        f.iter()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn required_text(
    r: &mut MapReader<'_>,
    key: &str,
    what: &str,
    diags: &mut Diags,
) -> Option<String> {
    if !r.has(key) {
        diags.push(r.missing(key, "the waiver").help(format!(
            "add `{key}:` saying {what}; every waiver needs `reason`, `owner` and `expires`"
        )));
        return None;
    }
    let (text, pos) = r.string(key, diags)?;
    if text.trim().is_empty() {
        diags.push(
            Diag::error("waiver::empty_value", format!("`{key}` is empty"))
                .at(r.file, pos, "empty")
                .help(format!("say {what}")),
        );
        return None;
    }
    Some(text.trim().to_owned())
}

fn expires(r: &mut MapReader<'_>, file: &SourceFile, diags: &mut Diags) -> Option<(Date, Pos)> {
    if !r.has("expires") {
        diags.push(
            r.missing("expires", "the waiver")
                .help("add `expires: YYYY-MM-DD`, the first day the waiver no longer applies; every waiver needs `reason`, `owner` and `expires`"),
        );
        return None;
    }
    let node = r.take("expires")?;
    let parsed = match &node.value {
        Value::Str(s) => Date::parse(s.trim()),
        other => Err(format!(
            "`expires` must be a date `YYYY-MM-DD`, found a {}",
            other.type_name()
        )),
    };
    match parsed {
        Ok(d) => Some((d, node.pos)),
        Err(message) => {
            diags.push(
                Diag::error("waiver::bad_date", message)
                    .at(file, node.pos, "not a date")
                    .help("write `expires: YYYY-MM-DD`, e.g. `expires: 2025-06-30`: the first day the waiver no longer applies"),
            );
            None
        }
    }
}

impl Waivers {
    /// Mark the findings the waivers cover, and say which waivers expired or matched nothing.
    /// A finding is covered by the first waiver in force that matches it.
    pub fn apply(&self, checked: &mut [Checked], today: Date) -> Outcome {
        // Fingerprints each waiver matched, in order and as a set (a waiver may match a
        // whole rule's findings).
        let mut matched: Vec<(Vec<Fingerprint>, HashSet<Fingerprint>)> =
            vec![Default::default(); self.list.len()];
        // What a waiver in force gives the findings it covers, shared by all of them.
        let given: Vec<Arc<Waived>> = self.list.iter().map(|w| Arc::new(self.waived(w))).collect();
        // The topology files each waiver matched findings in.
        let mut files: Vec<Vec<String>> = vec![Vec::new(); self.list.len()];
        for c in checked.iter_mut() {
            let Checked {
                topology, findings, ..
            } = c;
            let name = topology.file.name().to_owned();
            let path = relative(&self.dir, &absolute(Path::new(&name)));
            // Whether each waiver is for this file: once per file, not per finding.
            let covers: Vec<bool> = self.list.iter().map(|w| w.covers_file(&path)).collect();
            for f in findings.iter_mut() {
                let ids = f.ids(topology);
                for ((((w, m), fs), given), _) in self
                    .list
                    .iter()
                    .zip(matched.iter_mut())
                    .zip(files.iter_mut())
                    .zip(&given)
                    .zip(&covers)
                    .filter(|(_, covers)| **covers)
                {
                    if !w.matches(&f.rule.id, f.fingerprint, &ids) {
                        continue;
                    }
                    if m.1.insert(f.fingerprint) {
                        m.0.push(f.fingerprint);
                    }
                    if !fs.contains(&name) {
                        fs.push(name.clone());
                    }
                    if f.waiver.is_none() && !w.expired(today) {
                        f.waiver = Some(Arc::clone(given));
                    }
                }
            }
        }
        let mut problems = Diags::default();
        let mut waivers = Vec::with_capacity(self.list.len());
        for ((w, (m, _)), fs) in self.list.iter().zip(matched).zip(files) {
            if w.files.is_empty() && fs.len() > 1 {
                problems.push(
                    Diag::warning(
                        "waiver::unscoped",
                        format!(
                            "the waiver for {} matches findings in {} topology files ({}); it may waive a finding it was not written for",
                            w.describe(),
                            fs.len(),
                            fs.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                        ),
                    )
                    .at(&self.file, w.target_pos, "applies to every topology")
                    .help("add `files: [PATH, ...]` (relative to the waivers file) naming the topology files the waiver is for"),
                );
            }
            let state = if w.expired(today) {
                let n = m.len();
                let tail = match n {
                    0 => String::new(),
                    1 => "; the finding it covered counts again".to_owned(),
                    _ => format!("; the {n} findings it covered count again"),
                };
                problems.push(
                    Diag::warning("waiver::expired", format!("the waiver for {} expired on {}{tail}", w.describe(), w.expires))
                        .at(&self.file, w.expires_pos, format!("expired (today is {today})"))
                        .help(format!(
                            "owner `{}`: fix the finding and delete the waiver, or renew it with a later `expires` and a current reason",
                            w.owner
                        )),
                );
                State::Expired
            } else if m.is_empty() {
                problems.push(
                    Diag::warning("waiver::unused", format!("the waiver for {} matched no finding", w.describe()))
                        .at(&self.file, w.target_pos, "matches nothing")
                        .help("delete it if the finding was fixed; otherwise check its `rule`, `entities` and `fingerprint`"),
                );
                State::Unused
            } else {
                State::Active
            };
            waivers.push(Applied {
                rule: w.rule.clone(),
                entities: w.entities.iter().map(|(t, _)| t.clone()).collect(),
                fingerprint: w.fingerprint.clone(),
                files: w.files.iter().map(|(t, _)| t.clone()).collect(),
                reason: w.reason.clone(),
                owner: w.owner.clone(),
                expires: w.expires,
                line: w.pos.line,
                column: w.pos.column,
                state,
                matched: m,
                description: w.describe(),
            });
        }
        Outcome {
            file: self.file.name().to_owned(),
            today,
            waivers,
            problems,
        }
    }

    fn waived(&self, w: &Waiver) -> Waived {
        Waived {
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires,
            file: self.file.name().to_owned(),
            line: w.pos.line,
            column: w.pos.column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::load::{RuleSources, load as load_rules};

    fn compile_text(text: &str) -> Result<Waivers, Diags> {
        let rules = load_rules(
            &RuleSources {
                bundled: true,
                paths: Vec::new(),
            },
            &Limits::default(),
        )
        .unwrap();
        let file = SourceFile::new("w.yaml", text.to_owned());
        let tree = parse_document(&file, &Limits::default()).unwrap();
        compile(&file, &tree, &rules)
    }

    fn codes(d: &Diags) -> Vec<&str> {
        d.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn a_good_file_compiles() {
        let w = compile_text(
            "waivers:\n  - rule: KB-Q151228-CONNECTOR-BACKBONE\n    entities: [BACKBONE-*]\n    reason: r\n    owner: o\n    expires: 2025-06-30\n",
        )
        .unwrap();
        let first = w.list.first().unwrap();
        assert!(first.matches(
            "KB-Q151228-CONNECTOR-BACKBONE",
            Fingerprint(1),
            &["BACKBONE-RED-PAR"]
        ));
        assert!(!first.matches(
            "KB-Q151228-CONNECTOR-BACKBONE",
            Fingerprint(1),
            &["BACKBONE-RED-PAR", "PO-RED"]
        ));
        assert!(!first.matches(
            "KB-Q151228-TWO-DRIVES",
            Fingerprint(1),
            &["BACKBONE-RED-PAR"]
        ));
        assert!(first.expired(Date::parse("2025-06-30").unwrap()));
        assert!(!first.expired(Date::parse("2025-06-29").unwrap()));
    }

    #[test]
    fn every_error_is_collected() {
        let e = compile_text(
            "waivers:\n  - rule: KB-Q151228-CONECTOR-BACKBONE\n    entities: ['[']\n    reason: ''\n    expire: 2025-06-30\n  - fingerprint: XYZ\n    reason: r\n    owner: o\n    expires: 2025-02-30\n",
        )
        .unwrap_err();
        let codes = codes(&e);
        for code in [
            "kbcheck::waiver::unknown_rule",
            "kbcheck::waiver::bad_pattern",
            "kbcheck::waiver::empty_value",
            "kbcheck::waiver::missing_key",
            "kbcheck::waiver::unknown_key",
            "kbcheck::waiver::bad_fingerprint",
            "kbcheck::waiver::bad_date",
        ] {
            assert!(codes.contains(&code), "{code} not in {codes:?}");
        }
        let unknown = e
            .iter()
            .find(|d| d.code == "kbcheck::waiver::unknown_rule")
            .unwrap();
        assert_eq!(
            unknown.help.as_deref(),
            Some("did you mean `KB-Q151228-CONNECTOR-BACKBONE`?")
        );
        let key = e
            .iter()
            .find(|d| d.code == "kbcheck::waiver::unknown_key")
            .unwrap();
        assert_eq!(key.help.as_deref(), Some("did you mean `expires`?"));
    }

    #[test]
    fn a_waiver_must_cover_something() {
        let e =
            compile_text("waivers:\n  - {reason: r, owner: o, expires: 2025-01-01}\n").unwrap_err();
        assert_eq!(codes(&e), ["kbcheck::waiver::no_target"]);
        let e = compile_text(
            "waivers:\n  - {entities: [A], reason: r, owner: o, expires: 2025-01-01}\n",
        )
        .unwrap_err();
        assert_eq!(codes(&e), ["kbcheck::waiver::missing_rule"]);
    }
}
