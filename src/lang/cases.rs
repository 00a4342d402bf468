//! Rule test cases at scale and from files: a case's topology may come from a file next to
//! the rule (`topology-file: cases/two-sites.yaml`), and may be extended by generated nodes
//! and links (`generate:`), each a template repeated `count` times with `{i}` in its strings
//! replaced by the counter (1, 2, ...):
//!
//! ```yaml
//! generate:
//!   - {count: 200, node: {id: "PO-{i}", kind: postoffice, parent: S}}
//!   - {count: 200, link: {kind: serves, from: MTA, to: "PO-{i}"}}
//! ```

use super::{Level, TestCase};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::reader::MapReader;
use crate::source::SourceFile;
use crate::value::{Key, Node, Value};

/// The most entities one `generate` entry may add (a case is a test, not a benchmark).
pub const MAX_GENERATED: i64 = 100_000;

/// Read `topology-file`: a path relative to the rule's folder. The topology and the file it
/// came from (for the spans of its errors).
pub fn topology_file(rule: &SourceFile, n: &Node, diags: &mut Diags) -> Option<(SourceFile, Node)> {
    let Value::Str(rel) = &n.value else {
        diags.push(
            Diag::error("rule::bad_tests", "`topology-file` takes a path")
                .at(rule, n.pos, "here")
                .help("write `topology-file: cases/two-sites.yaml` (relative to the rule file)"),
        );
        return None;
    };
    if rel.starts_with('/') || rel.contains('\\') || rel.split('/').any(|s| s == "..") {
        diags.push(
            Diag::error(
                "rule::bad_tests",
                format!("`topology-file` path `{rel}` must stay in the rule's folder"),
            )
            .at(rule, n.pos, "here")
            .help(
                "give a path relative to the rule file, without `..`, e.g. `cases/two-sites.yaml`",
            ),
        );
        return None;
    }
    let name = rule.name();
    let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
    let joined = if dir.is_empty() {
        rel.clone()
    } else {
        format!("{dir}/{rel}")
    };
    let file = match joined.strip_prefix("builtin:rules/") {
        Some(inside) => super::load::bundled_rule_file(inside)
            .and_then(|bytes| crate::parse::decode(joined.clone(), bytes.to_vec()).ok()),
        None => crate::parse::read_file(std::path::Path::new(&joined), &Default::default()).ok(),
    };
    let Some(file) = file else {
        diags.push(
            Diag::error(
                "rule::bad_tests",
                format!("cannot read the case topology `{rel}`"),
            )
            .at(rule, n.pos, "here")
            .help(format!("put the topology at `{joined}`, next to the rule")),
        );
        return None;
    };
    match crate::parse::parse_document(&file, &Default::default()) {
        Ok(tree) => Some((file, tree)),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// Add the nodes and links `generate` describes to `topology`.
pub fn generate(file: &SourceFile, topology: &mut Node, spec: &Node, diags: &mut Diags) {
    let Value::List(items) = &spec.value else {
        diags.push(
            Diag::error("rule::bad_tests", "`generate` takes a list of templates")
                .at(file, spec.pos, "here")
                .help("write `generate: [{count: 200, node: {id: \"PO-{i}\", kind: postoffice}}]`"),
        );
        return;
    };
    for item in items {
        let Some(mut r) = MapReader::new(file, item, "rule", "a `generate` entry", diags) else {
            continue;
        };
        let count = match r.take("count") {
            Some(Node {
                value: Value::Int(c),
                ..
            }) if (1..=MAX_GENERATED).contains(c) => *c,
            Some(n) => {
                diags.push(
                    Diag::error(
                        "rule::bad_tests",
                        format!("`count` takes a whole number from 1 to {MAX_GENERATED}"),
                    )
                    .at(file, n.pos, "here")
                    .help("write `count: 200`"),
                );
                continue;
            }
            None => {
                diags.push(
                    r.missing("count", "a `generate` entry")
                        .help("say how many: `count: 200`"),
                );
                continue;
            }
        };
        let node = r.take("node");
        let link = r.take("link");
        r.finish(&["count", "node", "link"], "a `generate` entry", diags);
        let (list, template) = match (node, link) {
            (Some(t), None) => ("nodes", t),
            (None, Some(t)) => ("links", t),
            _ => {
                diags.push(
                    Diag::error(
                        "rule::bad_tests",
                        "a `generate` entry takes `node` or `link`, one of them",
                    )
                    .at(file, item.pos, "here")
                    .help("write `{count: 200, node: {id: \"PO-{i}\", kind: postoffice}}`"),
                );
                continue;
            }
        };
        if !matches!(template.value, Value::Map(_)) {
            diags.push(
                Diag::error(
                    "rule::bad_tests",
                    format!(
                        "`{}` of `generate` must be a map",
                        if list == "nodes" { "node" } else { "link" }
                    ),
                )
                .at(file, template.pos, "here")
                .help("write the node or link as in a topology, with `{i}` where the counter goes"),
            );
            continue;
        }
        let made = (1..=count).map(|i| instantiate(template, &i.to_string()));
        append(topology, list, made, spec);
    }
}

/// The template with `{i}` in every string replaced.
fn instantiate(t: &Node, i: &str) -> Node {
    let value = match &t.value {
        Value::Str(s) => Value::Str(s.replace("{i}", i)),
        Value::List(items) => Value::List(items.iter().map(|n| instantiate(n, i)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), instantiate(v, i)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node { value, pos: t.pos }
}

/// Append to the topology's `nodes` or `links` list (made if absent).
fn append(topology: &mut Node, list: &str, made: impl Iterator<Item = Node>, at: &Node) {
    let Value::Map(entries) = &mut topology.value else {
        return;
    };
    if !entries.iter().any(|(k, _)| k.name == list) {
        entries.push((
            Key {
                name: list.into(),
                pos: at.pos,
            },
            Node {
                value: Value::List(Vec::new()),
                pos: at.pos,
            },
        ));
    }
    if let Some((
        _,
        Node {
            value: Value::List(items),
            ..
        },
    )) = entries.iter_mut().find(|(k, _)| k.name == list)
    {
        items.extend(made);
    }
}

/// Compile a rule's `tests:` list: each case's name, topology (inline, from a file, or
/// generated), expectations and `todo`, collecting every error.
pub fn compile(file: &SourceFile, node: &Node, diags: &mut Diags) -> Vec<TestCase> {
    let Value::List(items) = &node.value else {
        diags.push(
            Diag::error("rule::bad_tests", "`tests` must be a list of cases")
                .at(file, node.pos, "here")
                .help("write `tests:` followed by `- name: ...` cases"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Some(mut r) = MapReader::new(file, item, "rule", "a test case", diags) else {
            continue;
        };
        let name = r
            .required_string("name", "a test case", diags)
            .map(|s| s.0.to_owned())
            .unwrap_or_default();
        let inline = r.take("topology").cloned();
        let from_file = r
            .take("topology-file")
            .map(|n| (n.pos, super::cases::topology_file(file, n, diags)));
        let (mut topology, case_file) = match (inline, from_file) {
            (Some(t), None) => (Some(t), None),
            (None, Some((_, Some((f, t))))) => (Some(t), Some(f)),
            (None, Some((_, None))) => (None, None),
            (Some(_), Some((pos, _))) => {
                diags.push(
                    Diag::error(
                        "rule::bad_tests",
                        "a case takes `topology` or `topology-file`, not both",
                    )
                    .at(file, pos, "here")
                    .help("keep the topology in the rule, or in the file, not in both"),
                );
                (None, None)
            }
            (None, None) => {
                diags.push(r.missing("topology", "a test case").help(
                    "give the case a small topology: `topology: {version: 1, nodes: [...]}`, or `topology-file: cases/NAME.yaml`",
                ));
                (None, None)
            }
        };
        if let Some(g) = r.take("generate")
            && let Some(t) = topology.as_mut()
        {
            super::cases::generate(file, t, g, diags);
        }
        let todo = flag(
            file,
            r.take("todo"),
            "todo",
            "write `todo: true` for a known gap",
            diags,
        );
        let strict = match r.take("strict") {
            None => true,
            Some(n) => flag(
                file,
                Some(n),
                "strict",
                "write `strict: false` for a case that uses words no vocabulary knows on purpose",
                diags,
            ),
        };
        let mut expect = Vec::new();
        match r.take("expect") {
            None => diags.push(
                r.missing("expect", "a test case")
                    .help("list the findings the case expects, or `expect: []` for none"),
            ),
            Some(Node {
                value: Value::List(findings),
                ..
            }) => {
                for f in findings {
                    let Some(mut fr) =
                        MapReader::new(file, f, "rule", "an expected finding", diags)
                    else {
                        continue;
                    };
                    let entities = fr
                        .strings("entities", diags)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(s, _)| s.to_owned())
                        .collect::<Vec<_>>();
                    if entities.is_empty() {
                        diags.push(
                            fr.missing("entities", "an expected finding")
                                .help("list the ids of the entities the finding names"),
                        );
                    }
                    let level = fr.string("severity", diags).and_then(|(s, pos)| {
                        let l = Level::parse(s);
                        if l.is_none() {
                            diags.push(
                                Diag::error(
                                    "rule::bad_severity",
                                    format!("unknown severity `{s}`"),
                                )
                                .at(file, pos, "here")
                                .help(suggestion_help(
                                    s,
                                    Level::NAMES,
                                    "severities",
                                )),
                            );
                        }
                        l
                    });
                    let at_least = flag(
                        file,
                        fr.take("at-least"),
                        "at-least",
                        "write `at-least: true` where the finding may name more entities than listed",
                        diags,
                    );
                    fr.finish(
                        &["entities", "severity", "at-least"],
                        "an expected finding",
                        diags,
                    );
                    let mut entities = entities;
                    entities.sort();
                    expect.push(super::Expected {
                        entities,
                        severity: level,
                        at_least,
                    });
                }
            }
            Some(n) => diags.push(
                Diag::error("rule::bad_tests", "`expect` must be a list")
                    .at(file, n.pos, "here")
                    .help("write `expect: []` or a list of `{entities: [...], severity: ...}`"),
            ),
        }
        let inconclusive = r.strings("inconclusive", diags).map(|list| {
            let mut ids: Vec<String> = list.into_iter().map(|(s, _)| s.to_owned()).collect();
            ids.sort();
            ids
        });
        let today = r.take("today").and_then(|n| {
            let text = n.value.as_str().map_or_else(|| n.value.display(), str::to_owned);
            crate::date::Date::parse(&text)
                .map_err(|why| {
                    diags.push(
                        Diag::error("rule::bad_date", why)
                            .at(file, n.pos, "here")
                            .help("write the date the case runs on as `YYYY-MM-DD`, e.g. `today: 2025-06-30`"),
                    );
                })
                .ok()
        });
        r.finish(
            &[
                "name",
                "topology",
                "topology-file",
                "generate",
                "expect",
                "inconclusive",
                "today",
                "todo",
                "strict",
            ],
            "a test case",
            diags,
        );
        if let Some(topology) = topology {
            out.push(TestCase {
                name,
                topology,
                file: case_file,
                expect,
                inconclusive,
                today,
                todo,
                strict,
                pos: item.pos,
            });
        }
    }
    out
}

/// A test case's `true` / `false` key (`false` when absent); an error for anything else.
fn flag(file: &SourceFile, node: Option<&Node>, key: &str, help: &str, diags: &mut Diags) -> bool {
    match node {
        None => false,
        Some(Node {
            value: Value::Bool(b),
            ..
        }) => *b,
        Some(n) => {
            diags.push(
                Diag::error("rule::bad_tests", format!("`{key}` takes true or false"))
                    .at(file, n.pos, "here")
                    .help(help.to_owned()),
            );
            false
        }
    }
}
