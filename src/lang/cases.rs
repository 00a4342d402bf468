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

use crate::diagnostic::{Diag, Diags};
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
                name: list.to_owned(),
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
