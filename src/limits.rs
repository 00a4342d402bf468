//! Limits on what a run may be asked to hold, beyond one file's size and shape (those are
//! checked while parsing, in `parse`): the nodes and links of a topology, the rule files of
//! a run, and (in the `matches` operator) the compiled size of a regular expression.
//!
//! Each is a field of [`Limits`] with a generous default and a command-line flag; exceeding
//! one is an error with a `kbcheck::limits::...` code, found before any work that grows
//! with the input (validation, indexing, compiling).

use crate::diagnostic::Diag;
use crate::source::SourceFile;
use crate::value::{Node, Value};

/// Bounds on what one input file may cost. The defaults load a million-node topology.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of lists and maps.
    pub max_depth: usize,
    /// Most YAML nodes (scalars, lists, maps) in one file.
    pub max_yaml_nodes: usize,
    /// Most alias (`*name`) uses in one file.
    pub max_aliases: usize,
    /// Most nodes in one topology (checked by [`check_topology`]).
    pub max_nodes: usize,
    /// Most links in one topology.
    pub max_links: usize,
    /// Most rule files loaded in one run (bundled ones included).
    pub max_rules: usize,
    /// Largest compiled size of one `matches` regular expression, in bytes.
    pub max_regex_bytes: usize,
}

/// The deepest `--max-depth` allowed: deeper nesting than this is never a real topology.
pub const MAX_DEPTH_CEILING: usize = 5_000;

/// Stack for running a command (see `main.rs`): room for `MAX_DEPTH_CEILING` levels of
/// nesting in an unoptimised build (under 64 KiB a level) plus a base. Reserved, not used.
pub const STACK_BYTES: usize = (16 << 20) + MAX_DEPTH_CEILING * (64 << 10);

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 1 << 30,
            max_depth: 64,
            max_yaml_nodes: 50_000_000,
            max_aliases: 10_000,
            max_nodes: 10_000_000,
            max_links: 10_000_000,
            max_rules: 100_000,
            max_regex_bytes: 1 << 20,
        }
    }
}

/// The most findings one run may hold, by default (`--max-findings`).
pub const MAX_FINDINGS: usize = 10_000_000;

/// The error of a run whose rules found more than `limit` findings in `file` and the files
/// checked before it: nothing is reported (a partial report could pass a gate).
pub fn too_many_findings(file: &str, limit: usize) -> Diag {
    Diag::error(
        "limits::too_many_findings",
        format!(
            "the rules found more than the limit of {limit} findings (checking `{file}`); nothing was reported"
        ),
    )
    .in_file(file)
    .help(format!(
        "raise `--max-findings` (now {limit}), or check fewer rules or topologies at once; so many findings usually mean one systemic problem: fix it, or run one rule with `--no-default-rules --rules FILE`"
    ))
}

/// Refuse a topology with more nodes or links than the limits allow, given the number of
/// items its `nodes` and `links` lists hold (counted as they were read) and its top-level
/// map (for the keys' positions): a huge topology is refused before it is validated.
pub fn check_topology(
    file: &SourceFile,
    root: &Node,
    [nodes, links]: [usize; 2],
    limits: &Limits,
) -> Result<(), Diag> {
    let Value::Map(entries) = &root.value else {
        return Ok(());
    };
    for (key, _) in entries {
        let (count, limit, flag, what, code) = match key.name.as_str() {
            "nodes" => (
                nodes,
                limits.max_nodes,
                "--max-nodes",
                "nodes",
                "limits::too_many_nodes",
            ),
            "links" => (
                links,
                limits.max_links,
                "--max-links",
                "links",
                "limits::too_many_links",
            ),
            _ => continue,
        };
        if count > limit {
            return Err(Diag::error(
                code,
                format!("the topology has {count} {what}, over the limit of {limit}"),
            )
            .at(file, key.pos, format!("{count} {what}"))
            .help(format!(
                "split the topology, or raise the limit with `{flag}` if it is genuine"
            )));
        }
    }
    Ok(())
}

/// Refuse a run that would load more rule files than the limit allows.
pub fn check_rule_count(count: usize, limits: &Limits) -> Result<(), Diag> {
    if count > limits.max_rules {
        return Err(Diag::error(
            "limits::too_many_rules",
            format!(
                "{count} rule files would be loaded, over the limit of {}",
                limits.max_rules
            ),
        )
        .help("point `--rules` at fewer files, or raise the limit with `--max-rules` if they are genuine"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A topology's file and its top-level map, with the number of its nodes and links.
    fn topo(nodes: usize, links: usize) -> (SourceFile, Node, [usize; 2]) {
        let mut text = String::from("version: 1\nnodes:\n");
        for i in 0..nodes {
            text.push_str(&format!("  - {{id: N{i}, kind: server}}\n"));
        }
        text.push_str("links:\n");
        for _ in 0..links {
            text.push_str("  - {kind: msmail-connector, from: N0, to: N1}\n");
        }
        let file = SourceFile::new("t.yaml", text);
        let mut counts = [0, 0];
        let tree = crate::parse::parse_topology(&file, &Limits::default(), &mut |list, _| {
            counts[list as usize] += 1;
        })
        .unwrap();
        (file, tree, counts)
    }

    #[test]
    fn counts_nodes_and_links() {
        let (file, tree, counts) = topo(3, 2);
        assert_eq!(counts, [3, 2]);
        let limits = Limits {
            max_nodes: 3,
            max_links: 2,
            ..Limits::default()
        };
        assert!(check_topology(&file, &tree, counts, &limits).is_ok());
        let tight = Limits {
            max_nodes: 2,
            ..limits
        };
        let e = check_topology(&file, &tree, counts, &tight).unwrap_err();
        assert_eq!(e.code, "kbcheck::limits::too_many_nodes");
        assert_eq!(e.message, "the topology has 3 nodes, over the limit of 2");
        let tight = Limits {
            max_links: 1,
            ..limits
        };
        let e = check_topology(&file, &tree, counts, &tight).unwrap_err();
        assert_eq!(e.code, "kbcheck::limits::too_many_links");
    }

    #[test]
    fn counts_rules() {
        let limits = Limits {
            max_rules: 5,
            ..Limits::default()
        };
        assert!(check_rule_count(5, &limits).is_ok());
        let e = check_rule_count(6, &limits).unwrap_err();
        assert_eq!(e.code, "kbcheck::limits::too_many_rules");
    }
}
