//! SARIF 2.1.0 output, for code-scanning tools. One run: the reporting rules that were
//! loaded as `reportingDescriptor`s (with the resolution as help and the KB article as
//! `helpUri`), each finding a `result` whose primary location is its first entity and whose
//! `relatedLocations` are the others, with the stable fingerprint in `partialFingerprints`.
//! Waived findings carry an external `suppression`; with `--base`, every result has a
//! `baselineState` and resolved findings appear as `absent` results at their base locations.
//! Waiver and topology warnings are the invocation's notifications.
//!
//! Files are placed so that consumers can map them: a file under the current folder by a
//! URI relative to `%SRCROOT%` (the current folder, an absolute `file://` URI in
//! `originalUriBaseIds`), any other by its absolute `file://` URI. Inside a git work tree the
//! run names the repository and commit (`versionControlProvenance`), read with `git` when it
//! is installed; without git, or outside a work tree, that part is left out.

use super::stream::Lazy;
use super::{Item, Location, Report};
use crate::diagnostic::Diag;
use crate::finding::Status;
use crate::fingerprint::SARIF_KEY;
use crate::lang::{Level, Rule};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The schema a SARIF log names.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base id of relative artifact URIs: the root of the git work tree the run is in, else
/// the current folder.
pub const SRCROOT: &str = "%SRCROOT%";

/// Write the SARIF log of a run to `out`, each result made as it is written.
pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let here = std::env::current_dir().ok();
    let git = here.as_deref().and_then(Git::read);
    let root = git.as_ref().map(|g| g.top.clone()).or_else(|| here.clone());
    let places = Places::new(root.as_deref(), here.as_deref());
    write_at(report, &places, git.as_ref(), out)
}

/// The tool's home page: Cargo.toml's `homepage`, empty while it states none.
const HOMEPAGE: &str = env!("CARGO_PKG_HOMEPAGE");

/// `tool.driver`: the name, the version, the reporting rules if given, and `informationUri`
/// only when the package states a home page. kbcheck is not published and has no page yet;
/// the property is optional, and an address that is not the tool's would send readers astray.
fn driver(rules: Option<Vec<Value>>) -> Value {
    let mut driver = json!({
        "name": "kbcheck",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
    });
    if let Some(map) = driver.as_object_mut() {
        if !HOMEPAGE.is_empty() {
            map.insert("informationUri".to_owned(), json!(HOMEPAGE));
        }
        if let Some(rules) = rules {
            map.insert("rules".to_owned(), Value::Array(rules));
        }
    }
    driver
}

/// The SARIF log of a run that could not check (exit 2): no results, the invocation not
/// successful, each error a tool execution notification at its place.
pub fn render_failed(errors: &[Diag]) -> String {
    let here = std::env::current_dir().ok();
    let git = here.as_deref().and_then(Git::read);
    let root = git.as_ref().map(|g| g.top.clone()).or_else(|| here.clone());
    let places = Places::new(root.as_deref(), here.as_deref());
    let mut run = json!({
        "tool": {"driver": driver(None)},
        "invocations": [{
            "executionSuccessful": false,
            "toolExecutionNotifications": errors.iter().map(|d| notification(d, &places)).collect::<Vec<_>>(),
        }],
        "columnKind": "unicodeCodePoints",
    });
    if let (Some(root), Some(map)) = (&places.root, run.as_object_mut()) {
        map.insert(
            "originalUriBaseIds".to_owned(),
            json!({SRCROOT: {"uri": folder_uri(root)}}),
        );
    }
    let doc = json!({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// Write with the files placed by `places` and the given git details (whose work tree is
/// `%SRCROOT%`).
fn write_at(
    report: &Report<'_>,
    places: &Places,
    git: Option<&Git>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // Every file a result can name is placed first: whether the repository can be named
    // depends on all of them, and results are made only while the log is written.
    for c in report.checked.iter().chain(report.diff.map(|d| &d.base)) {
        places.artifact(c.topology.file.name());
    }
    if let Some(w) = report.waivers {
        places.artifact(&w.file);
    }
    let items = report.findings();
    let resolved = report.resolved();
    let undecided = report.undecided();
    let rules = report.reporting_rules();
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let lazy = Lazy::new();
    let index = &index;
    let results = items
        .iter()
        .chain(&resolved)
        .map(|i| Written::Finding(Box::new(result(i, report, index, places))));
    // Rules that could not be decided: results to review, failing only with
    // `--fail-on-inconclusive`.
    let results = results.chain(undecided.iter().map(|u| {
        let mut r = json!({
            "ruleId": u.result.rule,
            "kind": "review",
            "level": "none",
            "message": {"text": format!("inconclusive: {}", u.text())},
            "locations": u.location().iter().map(|l| location(l, places)).collect::<Vec<_>>(),
            "properties": {"inconclusive": true, "failing": report.gate.inconclusive},
        });
        if let (Some(i), Some(map)) = (index.get(u.result.rule.as_str()), r.as_object_mut()) {
            map.insert("ruleIndex".to_owned(), json!(i));
        }
        Written::Value(r)
    }));
    let execution: Vec<Value> = report
        .checked
        .iter()
        .flat_map(|c| c.warnings.iter())
        .map(|d| notification(d, places))
        .collect();
    let configuration: Vec<Value> = report
        .waiver_problems()
        .map(|d| notification(d, places))
        .collect();
    let topologies: Vec<Value> = report
        .checked
        .iter()
        .map(|c| {
            let s = crate::finding::Summary::of(&c.findings);
            json!({"file": c.topology.file.name(), "error": s.error, "warning": s.warning, "info": s.info})
        })
        .collect();
    let tally = report.tally();
    let mut properties = json!({
        "failOn": report.fail_on_word(),
        "failing": report.failing(),
        "topologies": topologies,
        "summary": {
            "verdict": tally.verdict(),
            "failing": tally.failing,
            "notFailing": tally.not_failing,
            "waived": tally.waived,
            "inconclusive": tally.inconclusive,
            "warnings": tally.warnings,
            "line": tally.line(),
        },
    });
    if let (Some(diff), Some(map)) = (report.diff, properties.as_object_mut()) {
        map.insert("base".to_owned(), json!(diff.base.topology.file.name()));
    }
    let mut run = json!({
        "tool": {"driver": driver(Some(rules.iter().map(|r| descriptor(r)).collect()))},
        "invocations": [{
            "executionSuccessful": true,
            "toolExecutionNotifications": execution,
            "toolConfigurationNotifications": configuration,
        }],
        "columnKind": "unicodeCodePoints",
        "results": lazy.list(results),
        "properties": properties,
    });
    if let Some(map) = run.as_object_mut() {
        if let Some(root) = &places.root {
            map.insert(
                "originalUriBaseIds".to_owned(),
                json!({SRCROOT: {"uri": folder_uri(root)}}),
            );
        }
        // The repository is named only when every file the run reports on is in it: a file
        // elsewhere cannot be placed relative to the repository's root.
        if let Some(git) = git.filter(|_| !places.outside.get()) {
            map.insert(
                "versionControlProvenance".to_owned(),
                json!([{
                    "repositoryUri": git.repository,
                    "revisionId": git.commit,
                    "mappedTo": {"uriBaseId": SRCROOT},
                }]),
            );
        }
    }
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    });
    lazy.write(&doc, out)
}

/// A SARIF level for a kbcheck severity.
pub fn level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
    }
}

fn descriptor(rule: &Rule) -> Value {
    let m = &rule.meta;
    let url = rule.url();
    let resolution = if m.resolution.is_empty() {
        m.title.clone()
    } else {
        m.resolution.clone()
    };
    let article = match (&url, m.kb.is_empty()) {
        (Some(u), false) => format!("\n\nKB {}: {u}", m.kb.join(", ")),
        (Some(u), true) => format!("\n\nSee {u}"),
        (None, _) => String::new(),
    };
    let markdown_article = match (&url, m.kb.is_empty()) {
        (Some(u), false) => format!("\n\nSee [KB {}]({u}).", m.kb.join(", ")),
        (Some(u), true) => format!("\n\nSee <{u}>."),
        (None, _) => String::new(),
    };
    let mut tags: Vec<String> = vec!["kb".to_owned()];
    tags.extend(m.kb.iter().cloned());
    tags.extend(m.tags.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    let mut d = json!({
        "id": rule.id,
        "name": pascal_name(&rule.id),
        "shortDescription": {"text": m.title},
        "fullDescription": {"text": if m.cause.is_empty() { m.title.clone() } else { m.cause.clone() }},
        "help": {
            "text": format!("{resolution}{article}"),
            "markdown": format!("**Resolution.** {resolution}{markdown_article}"),
        },
        // The highest level the rule can report, as `kbcheck rules` shows; a conditional
        // severity is spelt out in `kbcheck/severity`.
        "defaultConfiguration": {"enabled": true, "level": level(rule.max_level())},
        "properties": {"tags": tags, "kb": m.kb, "products": m.products, "symptoms": m.symptoms, "kbcheck/severity": rule.severity_text()},
    });
    if let (Some(u), Some(map)) = (url, d.as_object_mut()) {
        map.insert("helpUri".to_owned(), json!(u));
    }
    d
}

/// `KB-Q151228-DUPLICATE-SERIAL` → `KbQ151228DuplicateSerial`: SARIF's rule name is an
/// identifier, not a sentence (the title is the short description).
fn pascal_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A result as it is written: a finding's, made without a `Value`, or another.
#[derive(Serialize)]
#[serde(untagged)]
enum Written<'a> {
    Finding(Box<ResultOut<'a>>),
    Value(Value),
}

/// A finding's result. Fields are in the sorted order `serde_json` writes a map's keys in,
/// so the output is the one a `Value` would give.
#[derive(Serialize)]
struct ResultOut<'a> {
    #[serde(rename = "baselineState", skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    kind: &'static str,
    level: &'static str,
    locations: Vec<LocationOut>,
    message: Text<&'a str>,
    #[serde(rename = "partialFingerprints")]
    partial_fingerprints: Fingerprints,
    properties: ResultProperties<'a>,
    #[serde(rename = "relatedLocations", skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<LocationOut>,
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex", skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Value>,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

/// `{"kbcheck/v1": FINGERPRINT}`.
struct Fingerprints(crate::fingerprint::Fingerprint);

impl Serialize for Fingerprints {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(SARIF_KEY, &self.0)?;
        m.end()
    }
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    entities: Vec<&'a str>,
    failing: bool,
    kb: &'a [String],
    severity: &'static str,
}

/// One entity's location (sorted fields, as in [`ResultOut`]).
#[derive(Serialize)]
struct LocationOut {
    /// Related locations only: their number, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(rename = "logicalLocations")]
    logical_locations: [Logical; 1],
    message: Text<String>,
    #[serde(rename = "physicalLocation")]
    physical_location: Physical,
}

#[derive(Serialize)]
struct Logical {
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
struct Physical {
    #[serde(rename = "artifactLocation")]
    artifact_location: Value,
    region: Region,
}

#[derive(Serialize)]
struct Region {
    #[serde(rename = "endColumn", skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
    #[serde(rename = "startColumn")]
    start_column: u32,
    #[serde(rename = "startLine")]
    start_line: u32,
}

fn result<'a>(
    item: &Item<'a>,
    report: &Report<'_>,
    index: &HashMap<&str, usize>,
    places: &Places,
) -> ResultOut<'a> {
    let f: &'a crate::finding::Finding = item.finding;
    let mut locations = item.locations();
    // The nodes a group's key refers to are related locations too.
    locations.extend(item.key_locations());
    let mut located = locations
        .into_iter()
        .enumerate()
        .map(|(n, l)| located(l, places, (n > 0).then_some(n)));
    let primary = located.next();
    let related: Vec<LocationOut> = located.collect();
    let resolved = f.status == Some(Status::Resolved);
    ResultOut {
        baseline_state: f.status.map(|status| match status {
            Status::Introduced => "new",
            Status::Unchanged => "unchanged",
            Status::Resolved => "absent",
        }),
        kind: if resolved { "pass" } else { "fail" },
        level: if resolved { "none" } else { level(f.severity) },
        locations: primary.into_iter().collect(),
        message: Text { text: &f.message },
        partial_fingerprints: Fingerprints(f.fingerprint),
        properties: ResultProperties {
            entities: item.ids(),
            failing: report.gate.fails(f),
            kb: &f.rule.kb,
            severity: f.severity.word(),
        },
        related_locations: related,
        rule_id: &f.rule.id,
        rule_index: index.get(f.rule.id.as_str()).copied(),
        suppressions: f.waiver.as_deref().map(|w| {
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": w.reason,
                "location": {"physicalLocation": {
                    "artifactLocation": places.artifact(&w.file),
                    "region": {"startLine": w.line.max(1), "startColumn": w.column.max(1)},
                }},
                "properties": {"owner": w.owner, "expires": w.expires},
            }])
        }),
    }
}

/// Where one entity is written, numbered `id` when it is a related location.
fn located(l: Location, places: &Places, id: Option<usize>) -> LocationOut {
    LocationOut {
        id,
        message: Text {
            text: format!("{} `{}`", l.kind, l.entity),
        },
        logical_locations: [Logical {
            kind: "object",
            name: l.entity,
        }],
        physical_location: Physical {
            artifact_location: places.artifact(&l.file),
            region: Region {
                end_column: l.end_column,
                start_column: l.column.max(1),
                start_line: l.line.max(1),
            },
        },
    }
}

fn location(l: &Location, places: &Places) -> Value {
    serde_json::to_value(located(l.clone(), places, None)).unwrap_or_default()
}

fn notification(d: &Diag, places: &Places) -> Value {
    let mut n = json!({
        "level": if d.is_error() { "error" } else { "warning" },
        "message": {"text": match &d.help { Some(h) => format!("{} ({h})", d.message), None => d.message.clone() }},
        "descriptor": {"id": d.code},
    });
    if let (Some((file, line, column)), Some(map)) = (&d.location, n.as_object_mut()) {
        let mut physical = json!({"artifactLocation": places.artifact(file)});
        if *line > 0
            && let Some(p) = physical.as_object_mut()
        {
            p.insert(
                "region".to_owned(),
                json!({"startLine": line, "startColumn": (*column).max(1)}),
            );
        }
        map.insert(
            "locations".to_owned(),
            json!([{"physicalLocation": physical}]),
        );
    }
    n
}

/// Where files are, for artifact locations.
struct Places {
    /// `%SRCROOT%`.
    root: Option<PathBuf>,
    /// The root with symbolic links resolved, for files named through links.
    canonical_root: Option<PathBuf>,
    /// The current folder, which relative names are relative to.
    here: Option<PathBuf>,
    /// Whether some file was outside the root.
    outside: std::cell::Cell<bool>,
    /// The artifact location of each file placed so far (a report names few files, each
    /// many times).
    placed: std::cell::RefCell<HashMap<String, Value>>,
}

impl Places {
    fn new(root: Option<&Path>, here: Option<&Path>) -> Places {
        Places {
            root: root.map(normalize),
            canonical_root: root.and_then(|r| r.canonicalize().ok()),
            here: here.map(Path::to_path_buf),
            outside: std::cell::Cell::new(false),
            placed: std::cell::RefCell::default(),
        }
    }

    /// A file's `artifactLocation`: relative to `%SRCROOT%` when it is under it, else its
    /// absolute `file://` URI (a relative URI with a leading slash or `..` cannot be placed
    /// by consumers). Relative names are relative to the current folder.
    fn artifact(&self, name: &str) -> Value {
        if let Some(v) = self.placed.borrow().get(name) {
            return v.clone();
        }
        let v = self.place(name);
        self.placed.borrow_mut().insert(name.to_owned(), v.clone());
        v
    }

    fn place(&self, name: &str) -> Value {
        let path = Path::new(name);
        let (Some(root), Some(here)) = (&self.root, &self.here) else {
            self.outside.set(true);
            return json!({"uri": if path.is_absolute() { file_uri(path) } else { relative_uri(path) }});
        };
        let absolute = normalize(&here.join(path));
        let under = |path: &Path, root: &Path| path.strip_prefix(root).ok().map(relative_uri);
        let relative = under(&absolute, root).or_else(|| {
            let canonical = absolute.canonicalize().ok()?;
            under(&canonical, self.canonical_root.as_deref()?)
        });
        match relative {
            Some(uri) if !uri.is_empty() => json!({"uri": uri, "uriBaseId": SRCROOT}),
            _ => {
                self.outside.set(true);
                json!({"uri": file_uri(&absolute)})
            }
        }
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (the file may be named through a
/// link; the name given is the one to report).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A relative path as a URI reference: its names percent-encoded, joined by `/`.
fn relative_uri(path: &Path) -> String {
    let names: Vec<String> = path
        .components()
        .map(|c| match c {
            Component::Normal(n) => encode(&n.to_string_lossy()),
            Component::ParentDir => "..".to_owned(),
            _ => String::new(),
        })
        .filter(|n| !n.is_empty())
        .collect();
    names.join("/")
}

/// An absolute path as a `file://` URI: `/srv/plans/a b.yaml` → `file:///srv/plans/a%20b.yaml`,
/// `C:\plans\x.yaml` → `file:///C:/plans/x.yaml`.
fn file_uri(path: &Path) -> String {
    let names: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Prefix(p) => Some(p.as_os_str().to_string_lossy().replace('\\', "/")),
            Component::Normal(n) => Some(encode(&n.to_string_lossy())),
            _ => None,
        })
        .collect();
    format!("file:///{}", names.join("/"))
}

/// A folder's `file://` URI, ending in `/` as `originalUriBaseIds` requires.
fn folder_uri(path: &Path) -> String {
    let mut uri = file_uri(path);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// One path name percent-encoded: anything but unreserved characters.
fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The git work tree the run is in: its root, the repository's address and the commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Git {
    pub top: PathBuf,
    pub repository: String,
    pub commit: String,
}

impl Git {
    /// Ask `git` about the work tree around `folder`; `None` when git is not installed, the
    /// folder is not in a work tree, or it has no commit yet.
    pub fn read(folder: &Path) -> Option<Git> {
        let git = |args: &[&str]| -> Option<String> {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(folder)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .output()
                .ok()?;
            let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
            (out.status.success() && !text.is_empty()).then_some(text)
        };
        let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
        let commit = git(&["rev-parse", "--verify", "--quiet", "HEAD"])?;
        let repository = git(&["remote", "get-url", "origin"])
            .and_then(|r| remote_uri(&r, folder))
            .unwrap_or_else(|| folder_uri(&top));
        Some(Git {
            top,
            repository,
            commit,
        })
    }
}

/// A git remote as an absolute URI without credentials: `https://user:token@host/r.git` →
/// `https://host/r.git`, `git@host:org/r.git` → `ssh://git@host/org/r.git`, a local path →
/// its `file://` URI.
fn remote_uri(remote: &str, folder: &Path) -> Option<String> {
    if let Some((scheme, rest)) = remote.split_once("://") {
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return None;
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = if scheme.starts_with("http") {
            authority.rsplit_once('@').map_or(authority, |(_, h)| h)
        } else {
            authority
        };
        return Some(format!("{scheme}://{host}{path}"));
    }
    let local = Path::new(remote);
    if local.is_absolute() || remote.starts_with('.') {
        return Some(file_uri(&normalize(&folder.join(local))));
    }
    // scp-like syntax: [user@]host:path
    let (host, path) = remote.split_once(':')?;
    if host.is_empty() || host.contains('/') {
        return None;
    }
    Some(format!("ssh://{host}/{}", path.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            pascal_name("KB-Q151228-DUPLICATE-SERIAL"),
            "KbQ151228DuplicateSerial"
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_under_the_current_folder_are_relative_to_srcroot_others_absolute() {
        let places = Places::new(Some(Path::new("/srv/plans")), Some(Path::new("/srv/plans")));
        let at = |name: &str| places.artifact(name);
        assert_eq!(
            at("examples/a b.yaml"),
            json!({"uri": "examples/a%20b.yaml", "uriBaseId": SRCROOT})
        );
        assert_eq!(
            at("/srv/plans/./x/../y.yaml"),
            json!({"uri": "y.yaml", "uriBaseId": SRCROOT})
        );
        assert_eq!(
            at("C:\\plans\\x.yaml"),
            json!({"uri": "C%3A%5Cplans%5Cx.yaml", "uriBaseId": SRCROOT}),
            "a backslash is part of a Unix file name"
        );
        assert_eq!(at("/tmp/x.yaml"), json!({"uri": "file:///tmp/x.yaml"}));
        assert_eq!(
            at("../other/x.yaml"),
            json!({"uri": "file:///srv/other/x.yaml"})
        );
        assert_eq!(
            at("/srv/plansx/y.yaml"),
            json!({"uri": "file:///srv/plansx/y.yaml"})
        );
        assert_eq!(folder_uri(Path::new("/srv/plans")), "file:///srv/plans/");
        assert_eq!(folder_uri(Path::new("/")), "file:///");
        assert!(places.outside.get());
        let inside = Places::new(
            Some(Path::new("/srv/plans")),
            Some(Path::new("/srv/plans/sub")),
        );
        assert_eq!(
            inside.artifact("a.yaml"),
            json!({"uri": "sub/a.yaml", "uriBaseId": SRCROOT}),
            "relative to the work tree's root, from a folder inside it"
        );
        assert_eq!(
            inside.artifact("../b.yaml"),
            json!({"uri": "b.yaml", "uriBaseId": SRCROOT})
        );
        assert!(!inside.outside.get());
        let nowhere = Places::new(None, None);
        assert_eq!(nowhere.artifact("a/b.yaml"), json!({"uri": "a/b.yaml"}));
    }

    #[test]
    fn remotes_become_uris_without_credentials() {
        let here = Path::new("/srv/repo");
        let r = |s: &str| remote_uri(s, here);
        assert_eq!(
            r("https://user:secret@example.com/org/repo.git").as_deref(),
            Some("https://example.com/org/repo.git")
        );
        assert_eq!(
            r("git@example.com:org/repo.git").as_deref(),
            Some("ssh://git@example.com/org/repo.git")
        );
        assert_eq!(
            r("ssh://git@example.com/org/repo.git").as_deref(),
            Some("ssh://git@example.com/org/repo.git")
        );
        #[cfg(unix)]
        assert_eq!(
            r("../mirror.git").as_deref(),
            Some("file:///srv/mirror.git")
        );
        assert_eq!(r("://nothing"), None);
    }
}
