//! Checking one open document: what kind of file it is, and its diagnostics.
//!
//! A topology is loaded and checked as `kbcheck check` does ([`crate::inputs`],
//! [`crate::gate::evaluate`], the workspace's waivers): its input errors and vocabulary
//! warnings, then its findings, one diagnostic on each entity a finding names. A rule file
//! is loaded with the workspace's other rules (its unsaved text standing in for the file)
//! and its test cases are run ([`crate::ruletest::run_rule`]).

use super::text::{LineIndex, path_to_uri};
use super::workspace::{Workspace, same_path};
use crate::diagnostic::Diag;
use crate::finding::Finding;
use crate::lang::Level;
use crate::lang::load::load_with;
use crate::limits::Limits;
use crate::parse::parse_document;
use crate::source::SourceFile;
use crate::topology::Topology;
use crate::value::{Node, Value};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Range, Uri,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The shown name of the diagnostics' source.
const SOURCE: &str = "kbcheck";

/// What an open document is, for kbcheck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocKind {
    Topology,
    Rule,
    /// Anything else (a vocabulary, a config, YAML kbcheck does not read): left alone.
    #[default]
    Other,
}

/// Tell a topology from a rule by its top-level keys (read from the text, so a file that does
/// not parse yet is still recognised), or by the folder it is in.
pub fn classify(path: Option<&Path>, text: &str, ws: &Workspace) -> DocKind {
    let name = path
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let in_vocab_dir = path
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|n| n == "vocabulary");
    if name == crate::config::FILE_NAME
        || name.starts_with("vocabulary.")
        || name.starts_with("pack.")
        || in_vocab_dir
    {
        return DocKind::Other;
    }
    let keys = top_keys(text);
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("id") && ["select", "when", "group", "derive"].iter().any(|k| has(k)) {
        return DocKind::Rule;
    }
    if path.is_some_and(|p| ws.in_rules_folder(p)) {
        return DocKind::Rule;
    }
    if ["nodes", "links", "defaults"].iter().any(|k| has(k)) || has("version") && !has("waivers") {
        return DocKind::Topology;
    }
    DocKind::Other
}

/// The keys at the top of a YAML file (unindented `key:` lines) or of a JSON object.
fn top_keys(text: &str) -> Vec<String> {
    if text.trim_start().starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) {
            return map.keys().cloned().collect();
        }
        // A JSON file being edited: any key that looks like one of ours.
        return ["nodes", "links", "id", "select", "when", "group", "derive"]
            .iter()
            .filter(|k| text.contains(&format!("\"{k}\"")))
            .map(|k| (*k).to_owned())
            .collect();
    }
    text.lines()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-']))
        .filter_map(super::yaml::key_value)
        .map(|(k, _)| k)
        .collect()
}

/// What the last check of a document found, kept for hover and go-to-definition.
#[derive(Debug, Default)]
pub struct Analysis {
    pub kind: DocKind,
    pub diagnostics: Vec<Diagnostic>,
    /// Each entity a finding names: where it is written, and the rule.
    pub findings: Vec<(Range, String)>,
    /// Each node id and where it is written.
    pub nodes: HashMap<String, Range>,
    /// Derived values by entity id: (attribute path, value, rule that derived it).
    pub derived: HashMap<String, Vec<(String, String, String)>>,
}

/// Check a document with the workspace's rules.
pub fn analyze(ws: &Workspace, uri: &Uri, path: Option<&Path>, text: &str) -> Analysis {
    let kind = classify(path, text, ws);
    let name = path.map_or_else(|| uri.as_str().to_owned(), |p| p.display().to_string());
    let mut analysis = match kind {
        DocKind::Topology => topology(ws, uri, &name, text),
        DocKind::Rule => rule(
            ws,
            uri,
            path.map_or_else(|| PathBuf::from(&name), Path::to_path_buf),
            text,
        ),
        DocKind::Other => Analysis::default(),
    };
    analysis.kind = kind;
    analysis
}

fn topology(ws: &Workspace, uri: &Uri, name: &str, text: &str) -> Analysis {
    let file = SourceFile::new(name, text.to_owned());
    let index = LineIndex::new(text);
    let limits = Limits::default();
    let mut out = Analysis::default();
    let (topo, warnings) = match crate::inputs::topology_from_text(&file, &ws.set, &limits) {
        Ok(t) => t,
        Err(diags) => {
            out.diagnostics = diags.iter().map(|d| from_diag(d, &index, uri)).collect();
            if let Ok(tree) = parse_document(&file, &limits) {
                node_ids(&tree, &index, &mut out.nodes);
            }
            return out;
        }
    };
    out.diagnostics = warnings.iter().map(|d| from_diag(d, &index, uri)).collect();
    let derived = crate::engine::derive(&ws.set, &topo);
    for (i, d) in derived.all() {
        out.derived
            .entry(topo.entity(i).id.clone())
            .or_default()
            .push((d.path.join("."), d.value.display(), d.rule.clone()));
    }
    for list in out.derived.values_mut() {
        list.sort();
    }
    let mut checked = crate::gate::evaluate(&ws.set, topo, warnings);
    if let Some(w) = &ws.waivers {
        // The waivers' own problems (expired, unused) are about the waivers file and the
        // whole project, not this buffer.
        let _ = w.apply(std::slice::from_mut(&mut checked), ws.today);
    }
    let topo = &checked.topology;
    for e in topo.entities.iter().take(topo.node_count) {
        out.nodes
            .insert(e.id.clone(), span_range(&file, e.label_pos, &index));
    }
    for f in &checked.findings {
        for d in finding_diagnostics(ws, f, topo, &file, &index, uri) {
            out.findings.push((d.range, f.rule.id.clone()));
            out.diagnostics.push(d);
        }
    }
    for inc in &checked.inconclusive {
        let e = topo.entity(inc.entity);
        let missing: Vec<String> = inc
            .missing_text(topo)
            .iter()
            .map(|m| format!("`{m}`"))
            .collect();
        out.diagnostics.push(Diagnostic {
            range: span_range(&file, e.label_pos, &index),
            severity: Some(DiagnosticSeverity::INFORMATION),
            code: Some(NumberOrString::String(inc.rule.clone())),
            code_description: rule_link(ws, &inc.rule),
            source: Some(SOURCE.to_owned()),
            message: format!(
                "`{}` could not be decided on `{}`: {} not set",
                inc.rule,
                e.id,
                missing.join(", ")
            ),
            ..Diagnostic::default()
        });
    }
    out
}

/// One diagnostic per entity a finding names.
fn finding_diagnostics(
    ws: &Workspace,
    f: &Finding,
    topo: &Topology,
    file: &SourceFile,
    index: &LineIndex<'_>,
    uri: &Uri,
) -> Vec<Diagnostic> {
    let rule = ws.set.get(&f.rule.id);
    let mut message = f.message.to_string();
    for d in &f.derived {
        message.push_str(&format!(
            "\nrests on a derived value: `{}` of `{}` is `{}`, derived by {}",
            d.path.join("."),
            topo.entity(d.entity).id,
            d.value.display(),
            d.rule
        ));
    }
    if let Some(w) = &f.waiver {
        message.push_str(&format!(
            "\nwaived until {} by {}: {}",
            w.expires, w.owner, w.reason
        ));
    }
    if let Some(r) = rule.filter(|r| !r.meta.resolution.trim().is_empty()) {
        message.push_str(&format!("\nresolution: {}", r.meta.resolution.trim()));
    }
    let severity = if f.waiver.is_some() {
        DiagnosticSeverity::HINT
    } else {
        severity(f.severity)
    };
    let mut derived_notes: Vec<DiagnosticRelatedInformation> = f
        .derived
        .iter()
        .map(|d| DiagnosticRelatedInformation {
            location: Location::new(
                uri.clone(),
                span_range(file, topo.entity(d.entity).label_pos, index),
            ),
            message: format!(
                "`{}` = `{}` derived by {}",
                d.path.join("."),
                d.value.display(),
                d.rule
            ),
        })
        .collect();
    derived_notes.dedup_by(|a, b| a.message == b.message && a.location == b.location);
    f.entities
        .iter()
        .map(|&i| {
            let mut related: Vec<DiagnosticRelatedInformation> = f
                .entities
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| DiagnosticRelatedInformation {
                    location: Location::new(
                        uri.clone(),
                        span_range(file, topo.entity(j).label_pos, index),
                    ),
                    message: format!("also named by this finding: `{}`", topo.entity(j).id),
                })
                .collect();
            related.extend(derived_notes.iter().cloned());
            Diagnostic {
                range: span_range(file, topo.entity(i).label_pos, index),
                severity: Some(severity),
                code: Some(NumberOrString::String(f.rule.id.clone())),
                code_description: rule_link(ws, &f.rule.id),
                source: Some(SOURCE.to_owned()),
                message: message.clone(),
                related_information: (!related.is_empty()).then_some(related),
                ..Diagnostic::default()
            }
        })
        .collect()
}

fn rule_link(ws: &Workspace, id: &str) -> Option<CodeDescription> {
    let url = ws.set.get(id)?.url()?;
    Some(CodeDescription {
        href: Uri::from_str(&url).ok()?,
    })
}

fn severity(level: Level) -> DiagnosticSeverity {
    match level {
        Level::Error => DiagnosticSeverity::ERROR,
        Level::Warning => DiagnosticSeverity::WARNING,
        Level::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The range of a position of `file` (whose text is the document's).
fn span_range(file: &SourceFile, pos: crate::value::Pos, index: &LineIndex<'_>) -> Range {
    let span = file.span(pos);
    index.range(span.offset(), span.len())
}

/// The same range, cut at the end of its first line (a test case's whole map is too much).
fn first_line(range: Range) -> Range {
    if range.end.line > range.start.line {
        Range::new(
            range.start,
            lsp_types::Position::new(range.start.line, u32::MAX),
        )
    } else {
        range
    }
}

/// An input diagnostic as an LSP one: its primary label's range, its code and help.
pub fn from_diag(d: &Diag, index: &LineIndex<'_>, uri: &Uri) -> Diagnostic {
    // Labels point into the diagnostic's source; use them when that is this document.
    let own_labels = d
        .source
        .as_ref()
        .zip(d.location.as_ref())
        .is_some_and(|(s, (file, _, _))| s.name() == file);
    let labels: &[miette::LabeledSpan] = if own_labels { &d.labels } else { &[] };
    let primary = labels.iter().find(|l| l.primary()).or(labels.first());
    let range = match (primary, &d.location) {
        (Some(l), _) => index.range(l.offset(), l.len()),
        (None, Some((_, line, column))) if *line > 0 => {
            let at = index.offset_of_line_column(*line, *column);
            index.range(at, 0)
        }
        _ => Range::default(),
    };
    let related: Vec<DiagnosticRelatedInformation> = labels
        .iter()
        .filter(|l| primary.is_none_or(|p| !std::ptr::eq(*l, p)))
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri.clone(), index.range(l.offset(), l.len())),
                message: l.label()?.to_owned(),
            })
        })
        .collect();
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    Diagnostic {
        range,
        severity: Some(match d.severity {
            miette::Severity::Error => DiagnosticSeverity::ERROR,
            miette::Severity::Warning => DiagnosticSeverity::WARNING,
            miette::Severity::Advice => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.clone())),
        code_description: d
            .url
            .as_deref()
            .and_then(|u| Uri::from_str(u).ok())
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}

/// Node ids of a parsed (not necessarily valid) topology, and where each is written.
fn node_ids(tree: &Node, index: &LineIndex<'_>, out: &mut HashMap<String, Range>) {
    let Some(Value::List(nodes)) = tree.value.get("nodes").map(|n| &n.value) else {
        return;
    };
    for n in nodes {
        if let Some(id) = n.value.get("id")
            && let Value::Str(s) = &id.value
        {
            out.entry(s.clone())
                .or_insert_with(|| index.range(id.pos.offset as usize, id.pos.len as usize));
        }
    }
}

/// A rule file: its load errors, else its failing test cases.
fn rule(ws: &Workspace, uri: &Uri, path: PathBuf, text: &str) -> Analysis {
    let index = LineIndex::new(text);
    let mut sources = ws.sources.clone();
    // A bundled rule opened in a checkout of kbcheck: load that rules folder instead of the
    // bundled copy, or the rule would clash with itself.
    if sources.bundled
        && let Some(folder) = bundled_folder(ws, &path)
    {
        sources.bundled = false;
        sources.paths.push(folder.display().to_string());
    }
    let given = [(path.clone(), text.to_owned())];
    let mut out = Analysis::default();
    let set = match load_with(&sources, &Limits::default(), &given) {
        Ok(set) => set,
        Err(diags) => {
            let mine: Vec<&Diag> = diags
                .iter()
                .filter(|d| {
                    d.location
                        .as_ref()
                        .is_some_and(|(f, _, _)| same_path(Path::new(f), &path))
                })
                .collect();
            out.diagnostics = mine.iter().map(|d| from_diag(d, &index, uri)).collect();
            if mine.is_empty() {
                let others: Vec<String> = diags
                    .iter()
                    .filter_map(|d| d.location.as_ref().map(|l| format!("`{}`", l.0)))
                    .take(3)
                    .collect();
                out.diagnostics.push(Diagnostic {
                    severity: Some(DiagnosticSeverity::WARNING),
                    source: Some(SOURCE.to_owned()),
                    code: Some(NumberOrString::String("kbcheck::lsp::rules_not_loaded".into())),
                    message: format!(
                        "the test cases were not run: other rule files of the workspace do not load ({})",
                        others.join(", ")
                    ),
                    ..Diagnostic::default()
                });
            }
            return out;
        }
    };
    let Some(rule) = set
        .rules
        .iter()
        .find(|r| same_path(Path::new(r.file.name()), &path))
    else {
        return out;
    };
    let file = &rule.file;
    let result = crate::ruletest::run_rule(&set, rule);
    let at_rule = first_line(span_range(file, rule.pos, &index));
    for problem in &result.problems {
        out.diagnostics.push(test_diagnostic(
            at_rule,
            rule,
            format!("the rule {problem}"),
            "add a test case that must fire (`expect: [{entities: [ID]}]`) and one that must not (`expect: []`)",
            false,
        ));
    }
    for (case, res) in rule.tests.iter().zip(&result.cases) {
        if res.passed() {
            continue;
        }
        let mut parts = Vec::new();
        for want in &res.missing {
            let level = want
                .severity
                .map(|l| format!(" ({})", l.word()))
                .unwrap_or_default();
            let more = if want.at_least { " (at least)" } else { "" };
            parts.push(format!(
                "expected a finding on {}{more}{level} that the rule does not give",
                ids_text(&want.entities)
            ));
        }
        for (ids, level) in &res.noisy {
            parts.push(format!(
                "the rule gives an unexpected finding on {} ({})",
                ids_text(ids),
                level.word()
            ));
        }
        for (why, help) in &res.invalid {
            let help = help.as_ref().map(|h| format!(" ({h})")).unwrap_or_default();
            parts.push(format!("its topology is invalid: {why}{help}"));
        }
        out.diagnostics.push(test_diagnostic(
            first_line(span_range(file, case.pos, &index)),
            rule,
            format!("test case `{}` fails: {}", res.name, parts.join("; ")),
            "fix the rule's logic, or the case's topology or `expect` list; `kbcheck test` runs the same check",
            res.todo,
        ));
    }
    out
}

fn test_diagnostic(
    range: Range,
    rule: &crate::lang::Rule,
    message: String,
    help: &str,
    todo: bool,
) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(if todo {
            DiagnosticSeverity::HINT
        } else {
            DiagnosticSeverity::ERROR
        }),
        code: Some(NumberOrString::String("kbcheck::test::failed".into())),
        source: Some(SOURCE.to_owned()),
        message: format!("{message}\nhelp: {help}"),
        related_information: None,
        data: Some(serde_json::json!({ "rule": rule.id })),
        ..Diagnostic::default()
    }
}

fn ids_text(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The folder on disk whose copy of a bundled rule `path` is (`…/rules` for
/// `…/rules/exchange/X.yaml` when `builtin:rules/exchange/X.yaml` is bundled).
pub fn bundled_folder(ws: &Workspace, path: &Path) -> Option<PathBuf> {
    ws.set.rules.iter().find_map(|r| {
        let rel = Path::new(r.file.name().strip_prefix("builtin:rules/")?);
        if !path.ends_with(Path::new("rules").join(rel)) {
            return None;
        }
        let mut folder = path;
        for _ in rel.components() {
            folder = folder.parent()?;
        }
        Some(folder.to_path_buf())
    })
}

/// Where a rule is written, for go-to-definition: its own file, or for a bundled rule the
/// same file in the workspace's `rules` folder (a checkout of kbcheck), else a read-only
/// copy of the bundled text under the temporary folder.
pub fn rule_location(ws: &Workspace, rule: &crate::lang::Rule) -> Option<Location> {
    let name = rule.file.name();
    let text = rule.file.text();
    let path = match name.strip_prefix("builtin:rules/") {
        None => PathBuf::from(name),
        Some(rel) => {
            let in_repo = ws.root.as_ref().map(|r| r.join("rules").join(rel));
            match in_repo.filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t == text)) {
                Some(p) => p,
                None => bundled_copy(rel, text)?,
            }
        }
    };
    let index = LineIndex::new(text);
    let range = first_line(span_range(&rule.file, rule.pos, &index));
    Some(Location::new(path_to_uri(&path)?, range))
}

/// Write a bundled rule's text to `<temp>/kbcheck-<version>/rules/REL` (once; read-only to
/// the user), so any editor can open it as a plain file.
fn bundled_copy(rel: &str, text: &str) -> Option<PathBuf> {
    let path = std::env::temp_dir()
        .join(format!("kbcheck-{}", env!("CARGO_PKG_VERSION")))
        .join("rules")
        .join(rel);
    if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
        return Some(path);
    }
    std::fs::create_dir_all(path.parent()?).ok()?;
    // An older copy (another build of the same version) is read-only: replace it.
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, text).ok()?;
    if let Ok(meta) = std::fs::metadata(&path) {
        let mut perms = meta.permissions();
        perms.set_readonly(true);
        let _ = std::fs::set_permissions(&path, perms);
    }
    Some(path)
}
