//! HTML output: one self-contained page to open or forward — the verdict and summary, each
//! topology's diagram with the findings drawn on it (the SVG of [`crate::graph`]), a table of
//! findings that can be filtered by severity and KB article, and per finding the article's
//! details (symptoms, cause, resolution) with the topology lines of every entity involved.
//! Waived findings are shown as waived; with `--base`, each finding's status and the resolved
//! ones.
//!
//! Nothing is loaded from outside: the styles and the small script are inline, the page's
//! Content-Security-Policy forbids every other source, and links to KB articles are plain
//! links. All text from topologies and rules is escaped. The script records any error in the
//! `data-errors` attribute of `<html>` (tests read it back from the rendered DOM), filters
//! the table, and dims the diagram around a finding when its row is pointed at.

use super::{Item, Report, counts, plural};
use crate::finding::{Finding, Status, Summary};
use crate::graph::{self, GraphFormat, Options, escape_xml as esc};
use crate::lang::Level;
use crate::topology::{Idx, Topology};
use crate::value::{Node, Value};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Topologies with more nodes than this get a diagram of the findings' neighbourhood only.
const FULL_DIAGRAM_NODES: usize = 150;
/// Most source lines shown for one entity.
const MAX_ENTITY_LINES: u32 = 40;

const STYLE: &str = r#"
:root { --error: #d32f2f; --warning: #e69500; --info: #1e6fd9; --ink: #1f2933; --muted: #6b7785; --line: #d5dbe1; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
code, pre, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
a { color: #1e5bb8; }
.verdict { font-size: 16px; margin: 4px 0 16px; }
.verdict.fails strong { color: var(--error); }
.verdict.passes strong { color: #2e7d32; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f5f7; font-weight: 600; }
td.num, th.num { text-align: right; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.badge.error { background: var(--error); } .badge.warning { background: var(--warning); } .badge.info { background: var(--info); }
.badge.waived { background: #fff; color: var(--muted); border: 1px dashed var(--muted); }
.badge.status { background: #eef1f4; color: var(--ink); font-weight: 500; }
tr.waived td, article.waived { opacity: .7; }
.diagram { overflow: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; max-height: 80vh; }
.diagram svg { display: block; }
.diagram g.dim { opacity: .18; }
.filters { display: flex; gap: 18px; align-items: center; flex-wrap: wrap; margin: 8px 0 12px; }
.filters select { font: inherit; padding: 2px 4px; }
#findings-table tbody tr { cursor: pointer; }
#findings-table tbody tr:hover { background: #f7f9fb; }
.empty { color: var(--muted); font-style: italic; }
article.finding { border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 14px 0; }
article.finding.error { border-left-color: var(--error); } article.finding.warning { border-left-color: var(--warning); } article.finding.info { border-left-color: var(--info); }
article.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 8px 0; }
article.finding dt { font-weight: 600; color: var(--muted); }
article.finding dd { margin: 0; }
article.finding ul { margin: 0; padding-left: 18px; }
.source { margin: 6px 0 10px; }
.source .where { font-size: 12px; color: var(--muted); }
.source pre { margin: 2px 0 0; padding: 6px 10px; background: #f6f8fa; border: 1px solid var(--line); border-radius: 4px; overflow-x: auto; }
.source pre .ln { color: #9aa5b1; user-select: none; display: inline-block; min-width: 3.5em; }
.muted { color: var(--muted); }
[hidden] { display: none !important; }
"#;

/// Records errors before anything else runs, so a test can read them from the DOM.
const RECORDER: &str = r#"(function () {
  var root = document.documentElement;
  function record(message) {
    var before = root.getAttribute('data-errors');
    root.setAttribute('data-errors', (before ? before + '\n' : '') + message);
  }
  window.addEventListener('error', function (e) { record(String(e.message || e)); });
  window.addEventListener('unhandledrejection', function (e) { record(String(e.reason)); });
  document.addEventListener('securitypolicyviolation', function (e) {
    record('blocked by the page policy: ' + e.violatedDirective + ' ' + e.blockedURI);
  });
  var original = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
})();"#;

/// Filters the findings (table rows and detail articles) and dims the diagram around the
/// finding under the pointer.
const SCRIPT: &str = r#"(function () {
  var severity = document.getElementById('filter-severity');
  var kb = document.getElementById('filter-kb');
  var waived = document.getElementById('filter-waived');
  var shown = document.getElementById('filter-count');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#findings-table tbody tr[data-finding]'));
  function visible(el) {
    if (severity && severity.value && el.getAttribute('data-severity') !== severity.value) return false;
    if (kb && kb.value && (' ' + el.getAttribute('data-kb') + ' ').indexOf(' ' + kb.value + ' ') < 0) return false;
    if (waived && !waived.checked && el.getAttribute('data-waived') === 'true') return false;
    return true;
  }
  function apply() {
    var n = 0;
    rows.forEach(function (row) {
      var on = visible(row);
      row.hidden = !on;
      var detail = document.getElementById(row.getAttribute('data-finding'));
      if (detail) detail.hidden = !on;
      if (on) n += 1;
    });
    if (shown) shown.textContent = n + ' of ' + rows.length + ' shown';
  }
  [severity, kb, waived].forEach(function (el) { if (el) el.addEventListener('change', apply); });
  function focus(row, on) {
    var svg = document.querySelector('#' + row.getAttribute('data-diagram') + ' svg');
    if (!svg) return;
    var ids = JSON.parse(row.getAttribute('data-entities') || '[]');
    var rule = row.getAttribute('data-rule');
    svg.querySelectorAll('g[data-id]').forEach(function (g) {
      var rules = (' ' + (g.getAttribute('data-rules') || '') + ' ');
      var mine = ids.indexOf(g.getAttribute('data-id')) >= 0 || rules.indexOf(' ' + rule + ' ') >= 0;
      g.classList.toggle('dim', on && !mine);
    });
  }
  rows.forEach(function (row) {
    row.addEventListener('mouseenter', function () { focus(row, true); });
    row.addEventListener('mouseleave', function () { focus(row, false); });
    row.addEventListener('click', function () {
      var detail = document.getElementById(row.getAttribute('data-finding'));
      if (detail) detail.scrollIntoView({ behavior: 'smooth', block: 'start' });
    });
  });
  apply();
  document.documentElement.setAttribute('data-ready', 'true');
})();"#;

pub fn render(report: &Report<'_>) -> String {
    let items = report.findings();
    let all: Vec<&Finding> = items.iter().map(|i| i.finding).collect();
    let s = Summary::of(all.iter().copied());
    let failing = report.failing();
    let headline = if s.total == 0 {
        "no findings".to_owned()
    } else {
        counts(&s)
    };
    let files: Vec<&str> = report
        .checked
        .iter()
        .map(|c| c.topology.file.name())
        .collect();
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<title>kbcheck: {} — {}</title>",
        esc(&headline),
        esc(&files.join(", "))
    );
    let _ = writeln!(out, "<style>{STYLE}</style>");
    let _ = writeln!(out, "<script>{RECORDER}</script>");
    out.push_str("</head>\n<body>\n<header>\n");
    let _ = writeln!(out, "<h1>kbcheck: {}</h1>", esc(&headline));
    let tally = report.tally();
    let (class, verdict) = if failing > 0 {
        (
            "fails",
            format!(
                "<strong>fails</strong>: {} finding{} at or above <code>--fail-on {}</code>{}",
                tally.failing,
                plural(tally.failing),
                report.fail_on_word(),
                if tally.inconclusive_fails && tally.inconclusive > 0 {
                    format!(
                        ", {} inconclusive (<code>--fail-on-inconclusive</code>)",
                        tally.inconclusive
                    )
                } else {
                    String::new()
                }
            ),
        )
    } else {
        (
            "passes",
            format!(
                "<strong>passes</strong> (<code>--fail-on {}</code>)",
                report.fail_on_word()
            ),
        )
    };
    let _ = writeln!(
        out,
        "<p class=\"summary\" id=\"summary\">{}</p>",
        esc(&tally.line())
    );
    let checked: Vec<String> = files
        .iter()
        .map(|f| format!("<code>{}</code>", esc(f)))
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"verdict {class}\">Checked {} against {} rules: {verdict}.</p>",
        checked.join(", "),
        report.reporting_rules().len()
    );
    if let Some(diff) = report.diff {
        let _ = writeln!(
            out,
            "<p>Compared with <code>{}</code>: <strong>{} introduced</strong>, {} unchanged, {} resolved{}.</p>",
            esc(diff.base.topology.file.name()),
            diff.introduced.len(),
            diff.unchanged.len(),
            diff.resolved.len(),
            if report.gate.existing {
                ""
            } else {
                "; only introduced findings fail the gate"
            }
        );
    }
    out.push_str("</header>\n");
    summary(&mut out, report, &all);
    diagrams(&mut out, report);
    table(&mut out, report, &items);
    details(&mut out, report, &items);
    undecided(&mut out, report);
    problems(&mut out, report);
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    out.push_str("</body>\n</html>\n");
    out
}

fn summary(out: &mut String, report: &Report<'_>, all: &[&Finding]) {
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    out.push_str("<table class=\"counts\"><thead><tr><th>severity</th><th class=\"num\">findings</th><th class=\"num\">waived</th><th class=\"num\">failing</th></tr></thead><tbody>\n");
    for level in [Level::Error, Level::Warning, Level::Info] {
        let of: Vec<&&Finding> = all.iter().filter(|f| f.severity == level).collect();
        let waived = of.iter().filter(|f| f.waiver.is_some()).count();
        let fail = of.iter().filter(|f| report.gate.fails(f)).count();
        let _ = writeln!(
            out,
            "<tr><td><span class=\"badge {w}\">{w}</span></td><td class=\"num\">{}</td><td class=\"num\">{waived}</td><td class=\"num\">{fail}</td></tr>",
            of.len(),
            w = level.word()
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

/// The id of a topology's diagram container.
fn diagram_id(i: usize) -> String {
    format!("diagram-{i}")
}

fn diagrams(out: &mut String, report: &Report<'_>) {
    for (i, c) in report.checked.iter().enumerate() {
        let t = &c.topology;
        let title = t.name.clone().unwrap_or_else(|| t.file.name().to_owned());
        let _ = writeln!(
            out,
            "<section class=\"topology\">\n<h2>{} <span class=\"muted mono\">{}</span></h2>",
            esc(&title),
            esc(t.file.name())
        );
        let neighbourhood = (t.node_count > FULL_DIAGRAM_NODES).then_some(1);
        let diagram = graph::build(t, &c.findings, report.rules, &Options { neighbourhood });
        let _ = writeln!(
            out,
            "<p class=\"muted\">{} nodes, {} links; entities named by a finding have a thick border in the finding's colour, and the path joining a group finding's members is drawn in its colour too.</p>",
            t.node_count,
            t.len() - t.node_count
        );
        let _ = writeln!(
            out,
            "<div class=\"diagram\" id=\"{}\">\n{}</div>\n</section>",
            diagram_id(i),
            graph::render(&diagram, GraphFormat::Svg, &format!("t{i}-"))
        );
    }
}

/// The KB articles of a finding, space-separated (for filtering).
fn kbs(f: &Finding) -> String {
    f.rule.kb.join(" ")
}

fn table(out: &mut String, report: &Report<'_>, items: &[Item<'_>]) {
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    if items.is_empty() {
        out.push_str("<p class=\"empty\">No findings.</p>\n");
    }
    let articles: BTreeSet<&str> = items
        .iter()
        .flat_map(|i| i.finding.rule.kb.iter().map(String::as_str))
        .collect();
    out.push_str("<div class=\"filters\">\n<label>Severity <select id=\"filter-severity\"><option value=\"\">all</option>");
    for level in Level::NAMES {
        let _ = write!(out, "<option value=\"{level}\">{level}</option>");
    }
    out.push_str("</select></label>\n<label>KB article <select id=\"filter-kb\"><option value=\"\">all</option>");
    for kb in &articles {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", esc(kb));
    }
    out.push_str("</select></label>\n<label><input type=\"checkbox\" id=\"filter-waived\" checked> show waived</label>\n<span id=\"filter-count\" class=\"muted\"></span>\n</div>\n");
    let status_col = report.diff.is_some();
    let _ = writeln!(
        out,
        "<table id=\"findings-table\"><thead><tr><th>severity</th><th>rule</th><th>KB</th><th>entities</th><th>message</th>{}<th>gate</th></tr></thead><tbody>",
        if status_col { "<th>change</th>" } else { "" }
    );
    for (n, item) in items.iter().enumerate() {
        let f = item.finding;
        let waived = f.waiver.is_some();
        let diagram = report
            .checked
            .iter()
            .position(|c| std::ptr::eq(&c.topology, item.topology))
            .unwrap_or(0);
        let entities = serde_json::to_string(&item.ids()).unwrap_or_default();
        let kb_links: Vec<String> = f.rule.kb.iter().map(|k| kb_link(report, f, k)).collect();
        let ids: Vec<String> = item
            .ids()
            .iter()
            .map(|i| format!("<code>{}</code>", esc(i)))
            .collect();
        let gate = if waived {
            "<span class=\"badge waived\">waived</span>"
        } else if report.gate.fails(f) {
            "failing"
        } else {
            "<span class=\"muted\">passes</span>"
        };
        let status = match (status_col, f.status) {
            (true, Some(s)) => format!("<td><span class=\"badge status\">{}</span></td>", s.word()),
            (true, None) => "<td></td>".to_owned(),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "<tr data-finding=\"finding-{n}\" data-severity=\"{sev}\" data-kb=\"{}\" data-waived=\"{waived}\" data-rule=\"{}\" data-entities=\"{}\" data-diagram=\"{}\"{}><td><span class=\"badge {sev}\">{sev}</span></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>{status}<td>{gate}</td></tr>",
            esc(&kbs(f)),
            esc(&f.rule.id),
            esc(&entities),
            diagram_id(diagram),
            if waived { " class=\"waived\"" } else { "" },
            esc(&f.rule.id),
            kb_links.join(", "),
            ids.join(", "),
            esc(&f.message.replace('\n', " ")),
            sev = f.severity.word(),
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn kb_link(report: &Report<'_>, f: &Finding, kb: &str) -> String {
    match report.article_url(f, kb) {
        Some(u) => format!("<a href=\"{}\">{}</a>", esc(&u), esc(kb)),
        None => esc(kb),
    }
}

/// A topology file's lines and where its entities start, computed once per file.
struct Source<'a> {
    topo: &'a Topology,
    lines: Vec<&'a str>,
    /// The first line of every entity, sorted.
    starts: Vec<u32>,
}

/// The sources of the files shown, looked up by topology.
#[derive(Default)]
struct Sources<'a>(Vec<Source<'a>>);

impl<'a> Sources<'a> {
    fn get(&mut self, topo: &'a Topology) -> &Source<'a> {
        let at = match self.0.iter().position(|s| std::ptr::eq(s.topo, topo)) {
            Some(at) => at,
            None => {
                let mut starts: Vec<u32> = topo.entities.iter().map(|e| e.pos.line).collect();
                starts.sort_unstable();
                self.0.push(Source {
                    topo,
                    lines: topo.file.text().lines().collect(),
                    starts,
                });
                self.0.len() - 1
            }
        };
        #[expect(clippy::indexing_slicing, reason = "`at` was just found or pushed")]
        &self.0[at]
    }
}

fn details(out: &mut String, report: &Report<'_>, items: &[Item<'_>]) {
    let mut sources = Sources::default();
    if !items.is_empty() {
        out.push_str("<section id=\"details\">\n<h2>Details</h2>\n");
        for (n, item) in items.iter().enumerate() {
            article(out, report, item, &format!("finding-{n}"), &mut sources);
        }
        out.push_str("</section>\n");
    }
    let resolved = report.resolved();
    if !resolved.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"resolved\">\n<h2>Resolved by this change ({})</h2>",
            resolved.len()
        );
        for (n, item) in resolved.iter().enumerate() {
            article(out, report, item, &format!("resolved-{n}"), &mut sources);
        }
        out.push_str("</section>\n");
    }
}

fn article<'a>(
    out: &mut String,
    report: &Report<'_>,
    item: &Item<'a>,
    id: &str,
    sources: &mut Sources<'a>,
) {
    let f = item.finding;
    let rule = report.rules.get(&f.rule.id);
    let sev = f.severity.word();
    let waived = f.waiver.is_some();
    let _ = writeln!(
        out,
        "<article class=\"finding {sev}{}\" id=\"{id}\" data-severity=\"{sev}\" data-kb=\"{}\" data-waived=\"{waived}\">",
        if waived { " waived" } else { "" },
        esc(&kbs(f))
    );
    let title = rule.map_or_else(|| f.rule.id.clone(), |r| r.meta.title.clone());
    let mut badges = format!("<span class=\"badge {sev}\">{sev}</span>");
    if waived {
        badges.push_str(" <span class=\"badge waived\">waived</span>");
    }
    if let Some(s) = f.status {
        let _ = write!(badges, " <span class=\"badge status\">{}</span>", s.word());
    }
    let _ = writeln!(out, "<h3>{badges} {}</h3>", esc(&title));
    let _ = writeln!(out, "<p>{}</p>", esc(&f.message.replace('\n', " ")));
    out.push_str("<dl>\n");
    let mut row = |name: &str, html: String| {
        if !html.is_empty() {
            let _ = writeln!(out, "<dt>{name}</dt><dd>{html}</dd>");
        }
    };
    row("Rule", format!("<code>{}</code>", esc(&f.rule.id)));
    let kb: Vec<String> = f.rule.kb.iter().map(|k| kb_link(report, f, k)).collect();
    row("KB article", kb.join(", "));
    row(
        "Fingerprint",
        format!("<code>{}</code>", esc(&f.fingerprint.to_string())),
    );
    if let Some(r) = rule {
        let m = &r.meta;
        row("Products", list(&m.products));
        row("Symptoms", list(&m.symptoms));
        row("Cause", esc(&m.cause));
        row("Resolution", esc(&m.resolution));
        let refs: Vec<String> = m
            .references
            .iter()
            .map(|r| {
                if r.starts_with("https://") || r.starts_with("http://") {
                    format!("<a href=\"{0}\">{0}</a>", esc(r))
                } else {
                    esc(r)
                }
            })
            .collect();
        row("References", list_html(&refs));
    }
    let derived: Vec<String> = f
        .derived
        .iter()
        .map(|u| {
            format!(
                "<code>{}</code> of <code>{}</code> is <code>{}</code>, derived by <code>{}</code>",
                esc(&u.path.join(".")),
                esc(&item.topology.entity(u.entity).id),
                esc(&u.value.display()),
                esc(&u.rule)
            )
        })
        .collect();
    row("Derived", list_html(&derived));
    if let Some(w) = &f.waiver {
        row(
            "Waived",
            format!(
                "by {} until {}: {} <span class=\"muted\">({}:{})</span>",
                esc(&w.owner),
                w.expires,
                esc(&w.reason),
                esc(&w.file),
                w.line
            ),
        );
    }
    out.push_str("</dl>\n");
    for (&e, loc) in f.entities.iter().zip(item.locations()) {
        let source = sources.get(item.topology);
        let (start, end) = entity_lines(source, e);
        let _ = writeln!(
            out,
            "<div class=\"source\"><div class=\"where\">{} <code>{}</code> — <code>{}:{}:{}</code></div><pre>{}</pre></div>",
            esc(&loc.kind),
            esc(&loc.entity),
            esc(&loc.file),
            loc.line,
            loc.column,
            source_lines(source, start, end)
        );
    }
    if f.status == Some(Status::Resolved) {
        out.push_str("<p class=\"muted\">Lines are from the base topology.</p>\n");
    }
    out.push_str("</article>\n");
}

fn list(items: &[String]) -> String {
    let escaped: Vec<String> = items.iter().map(|s| esc(s)).collect();
    list_html(&escaped)
}

fn list_html(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        many => {
            let lis: Vec<String> = many.iter().map(|s| format!("<li>{s}</li>")).collect();
            format!("<ul>{}</ul>", lis.concat())
        }
    }
}

/// The lines an entity is written on: from its first line through its last key or value,
/// and on through the lines indented under it, stopping at the next entity.
fn entity_lines(source: &Source<'_>, i: Idx) -> (u32, u32) {
    let e = source.topo.entity(i);
    let start = e.pos.line;
    let mut last = start.max(e.label_pos.line);
    let mut stack: Vec<&Node> = Vec::new();
    for (k, v) in &e.attrs {
        last = last.max(k.pos.line);
        stack.push(v);
    }
    while let Some(n) = stack.pop() {
        last = last.max(n.pos.line);
        match &n.value {
            Value::List(items) => stack.extend(items),
            Value::Map(entries) => {
                for (k, v) in entries {
                    last = last.max(k.pos.line);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    let next = source
        .starts
        .get(source.starts.partition_point(|&l| l <= start))
        .copied()
        .unwrap_or(u32::MAX);
    let indent = e.pos.column.saturating_sub(1) as usize;
    let limit = start.saturating_add(MAX_ENTITY_LINES - 1);
    // `lines` is 0-based: the line after `last` is at index `last`.
    for (n, line) in source.lines.iter().enumerate().skip(last as usize) {
        let n = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let lead = line.len() - line.trim_start().len();
        if n >= next || n > limit || line.trim().is_empty() || lead < indent {
            break;
        }
        last = n;
    }
    (start, last.min(limit).max(start))
}

/// Source lines `start..=end` of a topology, numbered and escaped.
fn source_lines(source: &Source<'_>, start: u32, end: u32) -> String {
    let mut out = String::new();
    let first = start.saturating_sub(1) as usize;
    let count = (end.saturating_sub(start) + 1) as usize;
    for (n, line) in source.lines.iter().enumerate().skip(first).take(count) {
        let _ = writeln!(out, "<span class=\"ln\">{}</span>{}", n + 1, esc(line));
    }
    out
}

/// Rules that could not be decided, each with its entity's place.
fn undecided(out: &mut String, report: &Report<'_>) {
    let all = report.undecided();
    if all.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"inconclusive\">\n<h2>Inconclusive ({})</h2>\n<ul>",
        all.len()
    );
    for u in &all {
        let at = u
            .location()
            .map(|l| {
                format!(
                    " <span class=\"muted\">(<code>{}:{}:{}</code>)</span>",
                    esc(&l.file),
                    l.line,
                    l.column
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<li class=\"inconclusive\">{}{at}</li>",
            esc(&u.text())
        );
    }
    out.push_str("</ul>\n</section>\n");
}

fn problems(out: &mut String, report: &Report<'_>) {
    let warnings: Vec<_> = report.warnings().collect();
    if warnings.is_empty() {
        return;
    }
    out.push_str("<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n");
    for d in warnings {
        let at = d
            .location
            .as_ref()
            .map(|(f, l, c)| {
                format!(
                    " <span class=\"muted\">(<code>{}:{l}:{c}</code>)</span>",
                    esc(f)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(out, "<li class=\"warning\">{}{at}</li>", esc(&d.message));
    }
    out.push_str("</ul>\n</section>\n");
}
