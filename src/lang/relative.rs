//! Relatives in `of`: a short path from the entity a condition tests (or from the rule's
//! subject) to the one a field is read from — `of: subject.parent`, `of: parent.parent`,
//! `of: [from, parent]` (a link's start node's parent). One word (`of: parent`) stays the
//! plain target it always was.

use super::cond::{CondCx, Scope, Target};
use crate::diagnostic::{Diags, suggestion_help};
use crate::topology::{Idx, Topology};
use crate::value::{Node, Value};
use crate::vocabulary::Class;

/// The most steps a relative may take: enough for "the link's start's site's server".
pub const MAX_HOPS: usize = 4;

/// Where a relative starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Itself,
    Subject,
}

/// One step from an entity to a relative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    Parent,
    From,
    To,
    /// The node a reference attribute names: its name (see [`intern`]) and the vocabulary's
    /// id for it.
    Reference(u16, u16),
}

impl Hop {
    fn word(self) -> &'static str {
        match self {
            Hop::Parent => "parent",
            Hop::From => "from",
            Hop::To => "to",
            Hop::Reference(name, _) => interned(name),
        }
    }
}

/// Names of reference attributes `of` follows, for the lifetime of the program, so a hop
/// stays small and `Copy`: each distinct name is kept once, so recompiling rules does not
/// grow memory.
static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

/// The number of a reference attribute's name in [`NAMES`].
fn intern(name: &str) -> Option<u16> {
    let mut names = NAMES.lock().ok()?;
    if let Some(at) = names.iter().position(|n| *n == name) {
        return u16::try_from(at).ok();
    }
    let at = u16::try_from(names.len()).ok()?;
    names.push(Box::leak(name.to_owned().into_boxed_str()));
    Some(at)
}

/// The name numbered `at` by [`intern`].
fn interned(at: u16) -> &'static str {
    NAMES
        .lock()
        .ok()
        .and_then(|n| n.get(usize::from(at)).copied())
        .unwrap_or("reference")
}

/// A relative: a base and up to [`MAX_HOPS`] steps (kept inline so a target stays `Copy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chain {
    pub base: Base,
    hops: [Hop; MAX_HOPS],
    len: u8,
}

impl Chain {
    pub fn hops(&self) -> &[Hop] {
        self.hops.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The entity the chain names from `current` (with the rule's `subject`), if every step
    /// has somewhere to go.
    pub fn resolve(&self, topo: &Topology, current: Idx, subject: Idx) -> Option<Idx> {
        let mut at = match self.base {
            Base::Itself => current,
            Base::Subject => subject,
        };
        for hop in self.hops() {
            let e = topo.entity(at);
            at = match hop {
                Hop::Parent => e.parent,
                Hop::From => e.from,
                Hop::To => e.to,
                Hop::Reference(_, attr) => topo.references.targets(*attr, at).first().copied(),
            }?;
        }
        Some(at)
    }

    /// The chain as written: `subject.parent`, `from.parent`.
    pub fn word(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if self.base == Base::Subject {
            parts.push("subject");
        }
        parts.extend(self.hops().iter().map(|h| h.word()));
        parts.join(".")
    }
}

const WORDS: &[&str] = &["self", "subject", "parent", "from", "to"];

/// Read an `of` of several steps (`a.b` or `[a, b]`); `None` with an error pushed when it is
/// wrong. `scope` is the entity the condition tests.
pub fn compile(
    cx: &CondCx<'_>,
    n: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<(Target, Scope)> {
    let words: Vec<String> = match &n.value {
        Value::Str(s) => s.split('.').map(str::to_owned).collect(),
        Value::List(items) => items.iter().map(|i| i.value.display()).collect(),
        other => {
            cx.error(
                diags,
                n.pos,
                "unknown_target",
                format!(
                    "`of` takes a target or a short path, found a {}",
                    other.type_name()
                ),
                "write `of: parent`, `of: subject.parent` or `of: [from, parent]`".into(),
            );
            return None;
        }
    };
    let mut base = Base::Itself;
    let mut class = scope.class;
    let mut kinds = scope.kinds.clone();
    let mut hops = [Hop::Parent; MAX_HOPS];
    let mut len = 0usize;
    for (k, w) in words.iter().enumerate() {
        let mut next_kinds = Vec::new();
        let hop = match w.as_str() {
            "self" | "subject" if k == 0 => {
                if w == "subject" {
                    base = Base::Subject;
                    class = cx.subject.class;
                    kinds = cx.subject.kinds.clone();
                }
                continue;
            }
            "parent" => Hop::Parent,
            "from" => Hop::From,
            "to" => Hop::To,
            w if cx.vocab.reference_id(w).is_some() => {
                let Some(spec) = cx.vocab.reference_on(class, &kinds, w) else {
                    cx.error(
                        diags,
                        n.pos,
                        "unknown_target",
                        format!("`{w}` in `of` is not a reference attribute of a {} here", class.word()),
                        format!("`{w}` is a reference on other kinds; select or reach an entity that has it"),
                    );
                    return None;
                };
                if spec.list {
                    cx.error(
                        diags,
                        n.pos,
                        "unknown_target",
                        format!("`{w}` holds a list of references, and `of` follows one"),
                        format!("test the nodes it names in a relation: `related: {{via: [{w}], quantifier: any, where: ...}}`"),
                    );
                    return None;
                }
                next_kinds = spec.kinds;
                Hop::Reference(intern(w)?, cx.vocab.reference_id(w)?)
            }
            _ => {
                let help = if WORDS.contains(&w.as_str()) {
                    format!("`{w}` only starts a path: write it first")
                } else {
                    suggestion_help(w, WORDS, "targets")
                };
                cx.error(
                    diags,
                    n.pos,
                    "unknown_target",
                    format!("unknown `of` step `{w}`"),
                    help,
                );
                return None;
            }
        };
        if matches!(hop, Hop::From | Hop::To) && class != Class::Link {
            cx.error(
                diags,
                n.pos,
                "unknown_target",
                format!("`{w}` in `of` only applies to a link, and it is read from a node here"),
                "use `parent` from a node; `from` / `to` start from a link".into(),
            );
            return None;
        }
        let Some(slot) = hops.get_mut(len) else {
            cx.error(
                diags,
                n.pos,
                "unknown_target",
                format!("`of` takes at most {MAX_HOPS} steps"),
                "read the field in a relation instead: `related: {via: parent, where: ...}`".into(),
            );
            return None;
        };
        *slot = hop;
        len += 1;
        class = Class::Node;
        kinds = next_kinds;
    }
    let chain = Chain {
        base,
        hops,
        len: u8::try_from(len).unwrap_or(0),
    };
    let target = match (base, chain.hops()) {
        (Base::Itself, []) => Target::Itself,
        (Base::Subject, []) => Target::Subject,
        (Base::Itself, [Hop::Parent]) => Target::Parent,
        (Base::Itself, [Hop::From]) => Target::From,
        (Base::Itself, [Hop::To]) => Target::To,
        _ => Target::Chain(chain),
    };
    Some((target, Scope { class, kinds }))
}
