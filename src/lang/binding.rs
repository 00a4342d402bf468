//! Bindings: a relation may name what it matched (`bind: partner`); a check rule says which
//! names its findings report (`report: [partner]`), and messages print them (`{partner}`,
//! `{partner:name}`).
//!
//! What a condition binds on an entity is a list of *matches*: each a set of (name, entity)
//! pairs that together make the condition true. `all` combines its parts' matches (every
//! combination), `any` takes those of its true parts, a relation gives one match per entity
//! it matched (with the matches of its `where` on that entity). A bound relation under `not`
//! (or with `quantifier: none`) would name what is absent, so it is a load error.

use super::cond::{Cond, CondCx, Scope, Truth};
use super::env::Env;
use super::relation::{Relation, Trace};
use crate::diagnostic::Diags;
use crate::topology::Idx;
use crate::value::{Node, Pos, Value};
use crate::vocabulary::Class;

/// Words a binding may not be called: placeholders and `of` targets already use them.
const RESERVED: &[&str] = &[
    "self", "subject", "parent", "from", "to", "members", "count", "key", "id", "kind", "tags",
];

/// One bound entity of a match, with the entities and links walked to it from the entity the
/// relation started at (empty for a walk of one hop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub name: String,
    pub entity: Idx,
    pub path: Vec<Idx>,
}

/// One way a condition holds: the entities it bound.
pub type Match = Vec<Bound>;

/// A binding a rule declares: its name, the kinds it can be, and where it is written.
#[derive(Debug, Clone)]
pub struct Declared {
    pub name: String,
    pub scope: Scope,
    pub pos: Pos,
    /// The `any` branches the declaration sits in (see [`Declared::alternative_to`]).
    pub branches: Vec<(usize, usize)>,
}

/// Read `bind: name`: a lowercase word not used for something else.
pub fn compile_name(
    cx: &CondCx<'_>,
    n: &Node,
    under_none: bool,
    diags: &mut Diags,
) -> Option<(String, Pos)> {
    let Value::Str(name) = &n.value else {
        cx.error(
            diags,
            n.pos,
            "bad_binding",
            format!("`bind` takes a name, found a {}", n.value.type_name()),
            "write `bind: partner`".into(),
        );
        return None;
    };
    let word = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !word {
        cx.error(
            diags,
            n.pos,
            "bad_binding",
            format!("binding name `{name}` must be lowercase letters, digits and `-`"),
            "write `bind: partner`".into(),
        );
        return None;
    }
    let shadows = cx.vocab.path_known(
        cx.subject.class,
        &cx.subject.kinds,
        std::slice::from_ref(name),
    );
    if RESERVED.contains(&name.as_str()) || shadows {
        cx.error(
            diags,
            n.pos,
            "bad_binding",
            format!(
                "binding name `{name}` is already a placeholder or a field of the selected entity"
            ),
            format!("choose another name, e.g. `bind: other-{name}`"),
        );
        return None;
    }
    if under_none {
        cx.error(
            diags,
            n.pos,
            "bad_binding",
            "a relation with `quantifier: none` matches nothing to bind".into(),
            "remove `bind`, or say what must exist with `quantifier: any`".into(),
        );
        return None;
    }
    Some((name.clone(), n.pos))
}

/// The bindings a condition declares, in the order written.
pub fn declared(c: &Cond, out: &mut Vec<Declared>) {
    declared_in(c, &mut Vec::new(), out);
}

/// Declarations, each with the `any` branches it sits in (the `any` by address, the branch
/// by index): two declarations of one name are alternatives when some `any` has them in
/// different branches.
fn declared_in(c: &Cond, branches: &mut Vec<(usize, usize)>, out: &mut Vec<Declared>) {
    match c {
        Cond::All(cs) => cs.iter().for_each(|c| declared_in(c, branches, out)),
        Cond::Any(cs) => {
            let id = std::ptr::from_ref(c) as usize;
            for (k, part) in cs.iter().enumerate() {
                branches.push((id, k));
                declared_in(part, branches, out);
                branches.pop();
            }
        }
        Cond::Not(c) => declared_in(c, branches, out),
        Cond::Related(r) => {
            if let Some((name, pos)) = &r.bind {
                out.push(Declared {
                    name: name.clone(),
                    scope: Scope {
                        class: Class::Node,
                        kinds: r.matched_kinds(),
                    },
                    pos: *pos,
                    branches: branches.clone(),
                });
            }
            if let Some(c) = &r.cond {
                declared_in(c, branches, out);
            }
        }
        _ => {}
    }
}

impl Declared {
    /// Whether two declarations are alternatives (in different branches of one `any`), so
    /// they may share a name.
    pub fn alternative_to(&self, other: &Declared) -> bool {
        self.branches
            .iter()
            .any(|(id, k)| other.branches.iter().any(|(oid, ok)| oid == id && ok != k))
    }
}

/// Whether a condition binds anything.
pub fn binds(c: &Cond) -> bool {
    let mut out = Vec::new();
    declared(c, &mut out);
    !out.is_empty()
}

/// The ways `c` holds on `env.current`, each with what it bound; called where `c` is true.
pub fn matches(c: &Cond, env: &Env<'_>) -> Vec<Match> {
    if !binds(c) {
        return vec![Vec::new()];
    }
    match c {
        Cond::All(cs) => {
            let mut acc: Vec<Match> = vec![Vec::new()];
            for part in cs.iter().filter(|p| binds(p)) {
                acc = combine(&acc, &matches(part, env));
            }
            acc
        }
        Cond::Any(cs) => {
            let mut out: Vec<Match> = Vec::new();
            for part in cs {
                if part.eval(env) == Truth::True {
                    for m in matches(part, env) {
                        if !out.contains(&m) {
                            out.push(m);
                        }
                    }
                }
            }
            if out.is_empty() {
                out.push(Vec::new());
            }
            out
        }
        Cond::Related(r) => related(r, env),
        _ => vec![Vec::new()],
    }
}

/// Every match of `a` together with every match of `b` (both conditions hold).
pub fn combine(a: &[Match], b: &[Match]) -> Vec<Match> {
    a.iter()
        .flat_map(|x| {
            b.iter().map(move |y| {
                let mut both = x.clone();
                both.extend(y.iter().cloned());
                both
            })
        })
        .collect()
}

/// One match per entity the relation surely matched, each with its `where`'s matches there.
fn related(r: &Relation, env: &Env<'_>) -> Vec<Match> {
    let inner = r.cond.as_ref().filter(|c| binds(c));
    let mut trace = r.is_reachability().then(Trace::default);
    let reached = r.reach_traced(env, env.current, trace.as_mut());
    let mut out = Vec::new();
    for (i, member) in reached {
        if member != Truth::True || !r.considers(env, i) {
            continue;
        }
        let at = env.at(i);
        if r.cond.as_ref().is_some_and(|c| c.eval(&at) != Truth::True) {
            continue;
        }
        let path = trace
            .as_ref()
            .map(|t| t.path_to(env.current, i, !r.steps.is_empty()))
            .unwrap_or_default();
        let subs = inner.map_or_else(|| vec![Vec::new()], |c| matches(c, &at));
        for mut m in subs {
            if let Some((name, _)) = &r.bind {
                m.insert(
                    0,
                    Bound {
                        name: name.clone(),
                        entity: i,
                        path: path.clone(),
                    },
                );
            }
            out.push(m);
        }
    }
    if out.is_empty() {
        out.push(Vec::new());
    }
    out
}
