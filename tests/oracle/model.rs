//! The model: the generated topologies (nodes of three kinds with a few attribute values,
//! some left out, and a list attribute; acyclic parents; links of three kinds) and their YAML.

pub const NODE_KINDS: [&str; 3] = ["a", "b", "c"];
pub const LINK_KINDS: [&str; 3] = ["red", "green", "blue"];
pub const COLORS: [&str; 3] = ["r", "g", "b"];
pub const SITES: [&str; 2] = ["x", "y"];
/// The elements of the list attribute `labels`: letter case, prefixes and a number.
pub const ELEMS: [&str; 5] = ["p", "P", "pq", "q1", "10"];
/// What `{element: true}` reads, to the oracle's value lookup: the element a list quantifier
/// is testing (no attribute has this name).
pub const ELEMENT: &str = "{element: true}";

/// The vocabulary the generated topologies and rules use: nothing else is known.
pub const VOCABULARY: &str = "name: oracle
common:
  site: {type: string}
nodes:
  a: {attributes: {color: {type: string}, size: {type: integer}, labels: {type: array, items: {type: string}}}}
  b: {attributes: {color: {type: string}, size: {type: integer}, labels: {type: array, items: {type: string}}}}
  c: {attributes: {color: {type: string}, size: {type: integer}, labels: {type: array, items: {type: string}}}}
links:
  red: {attributes: {weight: {type: integer}}}
  green: {attributes: {weight: {type: integer}}}
  blue: {attributes: {weight: {type: integer}}}
";

/// An attribute value: text, a whole number or a list of texts.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Text(&'static str),
    Int(i64),
    List(Vec<&'static str>),
}

impl Val {
    pub fn yaml(&self) -> String {
        match self {
            Val::Text(s) => (*s).to_owned(),
            Val::Int(n) => n.to_string(),
            Val::List(xs) => format!("[{}]", quoted(xs)),
        }
    }
}

/// Texts as a YAML flow list's items, each quoted (`10` is a text here).
pub fn quoted(xs: &[&str]) -> String {
    xs.iter()
        .map(|x| format!("'{x}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone, Debug)]
pub struct TNode {
    pub kind: &'static str,
    pub color: Option<&'static str>,
    pub size: Option<i64>,
    pub site: Option<&'static str>,
    pub parent: Option<usize>,
    /// `labels`, a list (`None`: not set).
    pub labels: Option<Vec<&'static str>>,
}

#[derive(Clone, Debug)]
pub struct TLink {
    pub kind: &'static str,
    pub from: usize,
    pub to: usize,
    pub weight: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Topo {
    pub nodes: Vec<TNode>,
    pub links: Vec<TLink>,
}

/// Node `i`'s id.
pub fn nid(i: usize) -> String {
    format!("N{i}")
}

impl Topo {
    /// An attribute of node `i` (`None`: not set).
    pub fn node_attr(&self, i: usize, field: &str) -> Option<Val> {
        let n = &self.nodes[i];
        match field {
            "color" => n.color.map(Val::Text),
            "size" => n.size.map(Val::Int),
            "site" => n.site.map(Val::Text),
            "labels" => n.labels.clone().map(Val::List),
            _ => None,
        }
    }

    pub fn link_attr(&self, l: usize, field: &str) -> Option<Val> {
        match field {
            "weight" => self.links[l].weight.map(Val::Int),
            _ => None,
        }
    }

    /// The site of node `i`: its own, else its nearest ancestor's.
    pub fn site(&self, i: usize) -> Option<&'static str> {
        let mut cur = Some(i);
        while let Some(c) = cur {
            if let Some(s) = self.nodes[c].site {
                return Some(s);
            }
            cur = self.nodes[c].parent;
        }
        None
    }

    pub fn yaml(&self) -> String {
        let mut s = String::from("version: 1\nnodes:\n");
        for (i, n) in self.nodes.iter().enumerate() {
            s.push_str(&format!("  - {{id: {}, kind: {}", nid(i), n.kind));
            if let Some(c) = n.color {
                s.push_str(&format!(", color: {c}"));
            }
            if let Some(z) = n.size {
                s.push_str(&format!(", size: {z}"));
            }
            if let Some(site) = n.site {
                s.push_str(&format!(", site: {site}"));
            }
            if let Some(p) = n.parent {
                s.push_str(&format!(", parent: {}", nid(p)));
            }
            if let Some(xs) = &n.labels {
                s.push_str(&format!(", labels: [{}]", quoted(xs)));
            }
            s.push_str("}\n");
        }
        s.push_str("links:\n");
        for (i, l) in self.links.iter().enumerate() {
            s.push_str(&format!(
                "  - {{id: L{i}, kind: {}, from: {}, to: {}",
                l.kind,
                nid(l.from),
                nid(l.to)
            ));
            if let Some(w) = l.weight {
                s.push_str(&format!(", weight: {w}"));
            }
            s.push_str("}\n");
        }
        s
    }
}
