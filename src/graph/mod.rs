//! Pictures: a topology as a diagram, with the findings drawn on it.
//!
//! [`build`] turns a checked topology into a [`Diagram`]: nodes nested in their parents,
//! top-level nodes grouped by site, links with their kinds, and every entity marked with the
//! findings about it. A finding that carries witness paths (bindings reached over several hops)
//! marks the entities and links walked; a group finding (postoffices sharing a serial) marks the path
//! joining its members, found breadth-first over links and containment, so the picture shows
//! *why* they are connected. One renderer per format writes the diagram: [`mermaid`] and
//! [`dot`] as text for other tools, [`svg`] drawn by kbcheck itself from the geometry that
//! [`layout`] computes (sites as columns, children stacked inside their parents, links routed
//! between the columns).

pub mod dot;
pub mod layout;
pub mod mermaid;
pub mod svg;

#[cfg(test)]
mod reference_tests;

use crate::finding::Finding;
use crate::lang::{Level, Logic, RuleSet, Within};
use crate::topology::{Idx, Topology};
use crate::vocabulary::Class;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Output formats of `kbcheck graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Mermaid flowchart text (GitHub renders it in Markdown).
    Mermaid,
    /// Graphviz DOT text, for `dot -Tsvg` and other Graphviz tools.
    Dot,
    /// An SVG picture, laid out and drawn by kbcheck.
    Svg,
}

/// What to draw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Draw only the entities within this many hops (links or containment) of a finding.
    pub neighbourhood: Option<usize>,
}

/// One finding's mark on an entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub rule: String,
    pub level: Level,
    /// Every finding behind this mark is waived.
    pub waived: bool,
    /// The entity is not named by the finding, but joins its members (group findings).
    pub on_path: bool,
}

impl Mark {
    /// The mark as a label line: `error KB-X`, `error KB-X (path)`, `warning KB-Y (waived)`.
    pub fn text(&self) -> String {
        let mut s = format!("{} {}", self.level.word(), self.rule);
        if self.on_path {
            s.push_str(" (path)");
        }
        if self.waived {
            s.push_str(" (waived)");
        }
        s
    }
}

/// How to draw a marked entity: the highest level among its live (unwaived) marks, or among
/// all marks if every one is waived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Highlight {
    pub level: Level,
    pub waived: bool,
    /// Named by a finding (not only on a path).
    pub member: bool,
}

/// The highlight of an entity with these marks, if any.
pub fn highlight(marks: &[Mark]) -> Option<Highlight> {
    let live: Vec<&Mark> = marks.iter().filter(|m| !m.waived).collect();
    let (pool, waived): (Vec<&Mark>, bool) = if live.is_empty() {
        (marks.iter().collect(), true)
    } else {
        (live, false)
    };
    let level = pool.iter().map(|m| m.level).max()?;
    Some(Highlight {
        level,
        waived,
        member: pool.iter().any(|m| !m.on_path),
    })
}

/// A node of the diagram.
#[derive(Clone, Debug)]
pub struct DNode {
    pub id: String,
    pub kind: String,
    /// A short description under the id (`server · exchange 5.5`).
    pub detail: String,
    /// The containing node, as an index into [`Diagram::nodes`].
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub marks: Vec<Mark>,
}

/// A link of the diagram.
#[derive(Clone, Debug)]
pub struct DEdge {
    pub id: String,
    /// Whether the id is written in the topology (links without one get `kind:from->to`).
    pub named: bool,
    pub kind: String,
    pub from: usize,
    pub to: usize,
    pub marks: Vec<Mark>,
    /// A reference attribute (`type: reference`) naming a node, not a link: drawn dotted,
    /// from its holder (a link's start node, for a link's reference) to the node it names;
    /// `kind` is the attribute's name (`link-id.name` for a link's).
    pub reference: bool,
}

impl DEdge {
    /// The link's label: its kind, and its id when the topology names it.
    pub fn label(&self) -> String {
        if self.named {
            format!("{} {}", self.kind, self.id)
        } else {
            self.kind.clone()
        }
    }
}

/// Top-level nodes of one site (or of no site), drawn together.
#[derive(Clone, Debug)]
pub struct Group {
    pub site: Option<String>,
    pub members: Vec<usize>,
}

/// A finding, as the diagram's legend lists it.
#[derive(Clone, Debug)]
pub struct Legend {
    pub rule: String,
    pub level: Level,
    pub waived: bool,
    pub entities: Vec<String>,
}

/// A topology ready to draw.
#[derive(Clone, Debug)]
pub struct Diagram {
    /// The topology's name, else its file name.
    pub title: String,
    pub file: String,
    /// Nodes in file order.
    pub nodes: Vec<DNode>,
    pub edges: Vec<DEdge>,
    /// Sites in order of first appearance, then the nodes without a site.
    pub groups: Vec<Group>,
    pub findings: Vec<Legend>,
    /// Entities left out by `--neighbourhood`.
    pub omitted: usize,
    pub neighbourhood: Option<usize>,
}

/// Render a diagram in a format. `prefix` keeps SVG element ids unique when several pictures
/// share a page.
pub fn render(diagram: &Diagram, format: GraphFormat, prefix: &str) -> String {
    match format {
        GraphFormat::Mermaid => mermaid::render(diagram),
        GraphFormat::Dot => dot::render(diagram),
        GraphFormat::Svg => svg::render(diagram, prefix),
    }
}

/// A step between two nodes: over a link, or in or out of a container.
#[derive(Clone, Copy)]
struct Step {
    to: Idx,
    link: Option<Idx>,
}

/// Neighbours of a node over containment and links (both directions), links filtered.
fn steps(topo: &Topology, n: Idx, link_ok: &dyn Fn(Idx) -> bool, out: &mut Vec<Step>) {
    let e = topo.entity(n);
    out.extend(e.parent.map(|p| Step { to: p, link: None }));
    if let Some(children) = topo.children.get(n as usize) {
        out.extend(children.iter().map(|&c| Step { to: c, link: None }));
    }
    let outs = topo.out_links.get(n as usize).into_iter().flatten();
    let ins = topo.in_links.get(n as usize).into_iter().flatten();
    for &l in outs.chain(ins) {
        if !link_ok(l) {
            continue;
        }
        let link = topo.entity(l);
        let other = if link.from == Some(n) {
            link.to
        } else {
            link.from
        };
        out.extend(other.map(|to| Step { to, link: Some(l) }));
    }
}

/// The entities on shortest paths from the first member of a group to each other member,
/// members excluded. Links are limited to the kinds the rule's component walks, if it says.
fn group_path(topo: &Topology, members: &[Idx], kinds: &[String]) -> Vec<Idx> {
    let anchor = |i: Idx| {
        let e = topo.entity(i);
        match e.class {
            Class::Node => Some(i),
            Class::Link => e.from,
        }
    };
    let seeds: Vec<Idx> = members.iter().filter_map(|&m| anchor(m)).collect();
    let Some((&start, rest)) = seeds.split_first() else {
        return Vec::new();
    };
    let link_ok = |l: Idx| kinds.is_empty() || kinds.iter().any(|k| *k == topo.entity(l).kind);
    let mut prev: HashMap<Idx, Step> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    let mut seen = std::collections::HashSet::from([start]);
    let mut buf = Vec::new();
    while let Some(n) = queue.pop_front() {
        buf.clear();
        steps(topo, n, &link_ok, &mut buf);
        for s in &buf {
            if seen.insert(s.to) {
                prev.insert(
                    s.to,
                    Step {
                        to: n,
                        link: s.link,
                    },
                );
                queue.push_back(s.to);
            }
        }
    }
    let mut path = Vec::new();
    for &target in rest {
        let mut cur = target;
        // Each step moves one hop closer to `start`; the bound only guards against a bug.
        for _ in 0..=topo.node_count {
            let Some(step) = prev.get(&cur) else { break };
            path.extend(step.link);
            if step.to != start {
                path.push(step.to);
            }
            cur = step.to;
        }
    }
    path.retain(|i| !members.contains(i));
    path.sort_unstable();
    path.dedup();
    path
}

/// The link kinds a group rule's connected component walks over (empty: any).
fn walk_kinds(rules: &RuleSet, rule: &str) -> Vec<String> {
    match rules.get(rule).map(|r| &r.logic) {
        Some(Logic::Group(g)) => match &g.within {
            Within::Component(w) => w.links.clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Add a mark, merging it with one of the same rule and role.
fn add_mark(marks: &mut Vec<Mark>, mark: Mark) {
    match marks
        .iter_mut()
        .find(|m| m.rule == mark.rule && m.on_path == mark.on_path)
    {
        Some(m) => {
            m.level = m.level.max(mark.level);
            m.waived = m.waived && mark.waived;
        }
        None => marks.push(mark),
    }
}

/// A node's description: its kind, with product and version when written.
fn detail(topo: &Topology, i: Idx) -> String {
    let field = |name: &str| {
        topo.get(i, &[name.to_owned()])
            .map(|v| v.display())
            .filter(|s| !s.is_empty())
    };
    let mut s = topo.entity(i).kind.to_string();
    let product: Vec<String> = [field("product"), field("version")]
        .into_iter()
        .flatten()
        .collect();
    if !product.is_empty() {
        s.push_str(" · ");
        s.push_str(&product.join(" "));
    }
    s
}

/// Whether a link's id is written in the file (a link without one is named `kind:from->to`).
fn named(topo: &Topology, i: Idx) -> bool {
    let e = topo.entity(i);
    let span = topo.file.span(e.label_pos);
    topo.file
        .text()
        .get(span.offset()..span.offset() + span.len())
        .is_some_and(|t| t.trim_matches(['"', '\'']) == e.id)
}

/// The references of kept entities to kept nodes, as dotted edges: from the holder (or a
/// link's start node) to the node named, labelled with the attribute.
fn reference_edges(topo: &Topology, rules: &RuleSet, index: &HashMap<Idx, usize>) -> Vec<DEdge> {
    let names = rules.vocab.reference_names();
    let mut out = Vec::new();
    for (holder, attr, target) in topo.references.edges() {
        let e = topo.entity(holder);
        let start = match e.class {
            Class::Node => Some(holder),
            Class::Link => e.from,
        };
        let ends = start.and_then(|s| index.get(&s)).zip(index.get(&target));
        let (Some((&from, &to)), Some(name)) = (ends, names.get(usize::from(attr))) else {
            continue;
        };
        let id = format!("{}.{name}", e.id);
        out.push(DEdge {
            // A link's reference is drawn from its start node: the label names the link.
            kind: match e.class {
                Class::Node => (*name).to_owned(),
                Class::Link => id.clone(),
            },
            id,
            named: false,
            from,
            to,
            marks: Vec::new(),
            reference: true,
        });
    }
    out
}

/// Build the diagram of a topology and its findings.
pub fn build(topo: &Topology, findings: &[Finding], rules: &RuleSet, opts: &Options) -> Diagram {
    let mut marks: BTreeMap<Idx, Vec<Mark>> = BTreeMap::new();
    let mut legend = Vec::new();
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| a.order(topo, b, topo));
    for f in sorted {
        let waived = f.waiver.is_some();
        let mark = |on_path| Mark {
            rule: f.rule.id.clone(),
            level: f.severity,
            waived,
            on_path,
        };
        for &e in f.entities.iter().chain(&f.key_entities) {
            add_mark(marks.entry(e).or_default(), mark(false));
        }
        if !f.paths.is_empty() {
            // The way the rule walked to what it names (bindings reached over several hops).
            let walked = f.paths.iter().flat_map(|p| p.walked.iter().copied());
            for e in walked.filter(|e| !f.entities.contains(e)) {
                add_mark(marks.entry(e).or_default(), mark(true));
            }
        } else if f.entities.len() > 1 {
            for e in group_path(topo, &f.entities, &walk_kinds(rules, &f.rule.id)) {
                add_mark(marks.entry(e).or_default(), mark(true));
            }
        }
        legend.push(Legend {
            rule: f.rule.id.clone(),
            level: f.severity,
            waived,
            entities: f.ids(topo).into_iter().map(str::to_owned).collect(),
        });
    }
    let keep = kept(topo, &marks, opts.neighbourhood);
    let mut index: HashMap<Idx, usize> = HashMap::new();
    let mut nodes = Vec::new();
    for i in 0..topo.node_count {
        let Ok(i) = Idx::try_from(i) else { break };
        if !keep.get(i as usize).copied().unwrap_or(false) {
            continue;
        }
        let e = topo.entity(i);
        index.insert(i, nodes.len());
        nodes.push(DNode {
            id: e.id.clone(),
            kind: e.kind.to_string(),
            detail: detail(topo, i),
            parent: None,
            children: Vec::new(),
            marks: marks.get(&i).cloned().unwrap_or_default(),
        });
    }
    // Parents are kept with their children, so every parent has an index.
    for (&i, &d) in &index {
        let parent = topo.entity(i).parent.and_then(|p| index.get(&p).copied());
        if let Some(n) = nodes.get_mut(d) {
            n.parent = parent;
        }
    }
    let parents: Vec<(usize, Option<usize>)> = nodes
        .iter()
        .enumerate()
        .map(|(d, n)| (d, n.parent))
        .collect();
    for (d, parent) in parents {
        if let Some(p) = parent.and_then(|p| nodes.get_mut(p)) {
            p.children.push(d);
        }
    }
    let mut edges = Vec::new();
    for i in topo.node_count..topo.len() {
        let Ok(i) = Idx::try_from(i) else { break };
        if !keep.get(i as usize).copied().unwrap_or(false) {
            continue;
        }
        let e = topo.entity(i);
        let ends = e
            .from
            .and_then(|f| index.get(&f))
            .zip(e.to.and_then(|t| index.get(&t)));
        let Some((&from, &to)) = ends else { continue };
        edges.push(DEdge {
            id: e.id.clone(),
            named: named(topo, i),
            kind: e.kind.to_string(),
            from,
            to,
            marks: marks.get(&i).cloned().unwrap_or_default(),
            reference: false,
        });
    }
    edges.extend(reference_edges(topo, rules, &index));
    let mut groups: Vec<Group> = Vec::new();
    let mut unsited = Vec::new();
    for (&i, &d) in index.iter().collect::<BTreeMap<_, _>>() {
        if topo.entity(i).parent.is_some() {
            continue;
        }
        match topo.site(i).map(|v| v.display()) {
            Some(site) => match groups.iter_mut().find(|g| g.site.as_ref() == Some(&site)) {
                Some(g) => g.members.push(d),
                None => groups.push(Group {
                    site: Some(site),
                    members: vec![d],
                }),
            },
            None => unsited.push(d),
        }
    }
    if !unsited.is_empty() {
        groups.push(Group {
            site: None,
            members: unsited,
        });
    }
    let drawn = nodes.len() + edges.len();
    Diagram {
        title: topo
            .name
            .clone()
            .unwrap_or_else(|| topo.file.name().to_owned()),
        file: topo.file.name().to_owned(),
        nodes,
        edges,
        groups,
        findings: legend,
        omitted: topo.len().saturating_sub(drawn),
        neighbourhood: opts.neighbourhood,
    }
}

/// Which entities to draw: all of them, or those within `hops` of a marked entity, with the
/// containers of every node drawn and the links between drawn nodes.
fn kept(topo: &Topology, marks: &BTreeMap<Idx, Vec<Mark>>, hops: Option<usize>) -> Vec<bool> {
    let Some(hops) = hops else {
        return vec![true; topo.len()];
    };
    let mut keep = vec![false; topo.len()];
    let mut dist: HashMap<Idx, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    for &i in marks.keys() {
        let e = topo.entity(i);
        let seeds: Vec<Idx> = match e.class {
            Class::Node => vec![i],
            Class::Link => {
                if let Some(k) = keep.get_mut(i as usize) {
                    *k = true;
                }
                e.from.into_iter().chain(e.to).collect()
            }
        };
        for s in seeds {
            if dist.insert(s, 0).is_none() {
                queue.push_back(s);
            }
        }
    }
    let mut buf = Vec::new();
    while let Some(n) = queue.pop_front() {
        let d = dist.get(&n).copied().unwrap_or(0);
        if d >= hops {
            continue;
        }
        buf.clear();
        steps(topo, n, &|_| true, &mut buf);
        for s in &buf {
            if let std::collections::hash_map::Entry::Vacant(slot) = dist.entry(s.to) {
                slot.insert(d + 1);
                queue.push_back(s.to);
            }
        }
    }
    for &n in dist.keys() {
        // The containers of a drawn node are drawn too: the node is shown inside them.
        let mut cur = Some(n);
        for _ in 0..=topo.node_count {
            let Some(c) = cur else { break };
            match keep.get_mut(c as usize) {
                Some(k) if !*k => *k = true,
                _ => break,
            }
            cur = topo.entity(c).parent;
        }
    }
    for i in topo.node_count..topo.len() {
        let Ok(i) = Idx::try_from(i) else { break };
        let e = topo.entity(i);
        let on = |x: Option<Idx>| x.is_some_and(|x| keep.get(x as usize).copied().unwrap_or(false));
        if on(e.from)
            && on(e.to)
            && let Some(k) = keep.get_mut(i as usize)
        {
            *k = true;
        }
    }
    keep
}

/// Escape text for XML and HTML content and attribute values.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The colours of each level: (stroke, fill).
pub fn colours(level: Level) -> (&'static str, &'static str) {
    match level {
        Level::Error => ("#d32f2f", "#fdecea"),
        Level::Warning => ("#e69500", "#fff3dc"),
        Level::Info => ("#1e6fd9", "#e6f0fc"),
    }
}

/// Neutral colours: node border, container fill, link stroke, muted text.
pub const INK: &str = "#4a5561";
pub const CONTAINER_FILL: &str = "#f3f5f7";
pub const LINK: &str = "#7b8794";
pub const MUTED: &str = "#6b7785";
/// Waived findings are drawn in their colour, dashed and faded.
pub const WAIVED_OPACITY: &str = "0.55";

/// A step of a depth-first walk over the nesting: a container opens, a leaf, a container closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visit {
    Open(usize),
    Leaf(usize),
    Close(usize),
}

impl Diagram {
    /// The nesting under `roots`, depth first, children in file order. Iterative, so a long
    /// chain of parents cannot overflow the stack.
    pub fn visits(&self, roots: &[usize]) -> Vec<Visit> {
        let mut out = Vec::new();
        let mut stack: Vec<Visit> = roots.iter().rev().map(|&r| Visit::Leaf(r)).collect();
        while let Some(v) = stack.pop() {
            match v {
                Visit::Leaf(n) => {
                    let children = self.nodes.get(n).map_or(&[][..], |d| &d.children);
                    if children.is_empty() {
                        out.push(Visit::Leaf(n));
                    } else {
                        out.push(Visit::Open(n));
                        stack.push(Visit::Close(n));
                        stack.extend(children.iter().rev().map(|&c| Visit::Leaf(c)));
                    }
                }
                other => out.push(other),
            }
        }
        out
    }
}

/// The caption of a site's group.
pub fn site_label(site: &str) -> String {
    format!("site: {site}")
}

/// The note under a partial picture.
pub fn omitted_note(d: &Diagram) -> String {
    format!(
        "{} entit{} more than {} hop{} from a finding not drawn",
        d.omitted,
        if d.omitted == 1 { "y" } else { "ies" },
        d.neighbourhood.unwrap_or(0),
        if d.neighbourhood == Some(1) { "" } else { "s" }
    )
}
