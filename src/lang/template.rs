//! Message templates: `"postoffice `{id}` ({network}/{name}) ..."`.
//!
//! Placeholders name a field of the selected entity (`{serial}`, `{install.source}`),
//! a field of a related one (`{parent:name}`, `{from:id}`), or a group value
//! (`{members}`, `{count}`, `{key}`), or a value the rule computes under `let:`
//! (`let: {port: {number: {field: address}, extract: ':([0-9]+)$'}}` → `{port}`).
//! `{{` and `}}` write braces. A rule's [`Message`] is one template, or a list of
//! `{when, text}` entries when the article's words differ by cause.

use crate::diagnostic::Diags;
use crate::lang::binding::Declared;
use crate::lang::cond::{Cond, CondCx, FieldRef, Scope, Target};
use crate::lang::env::Env;
use crate::lang::expr::{Expr, Out};
use crate::value::Pos;
use std::sync::Arc;

/// The rule's named computed values (`let:`), in the order written.
pub type Lets = Vec<(String, Arc<Expr>)>;
use crate::topology::Idx;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Field(FieldRef),
    Value(Arc<Expr>),
    Members,
    Count,
    Key,
    /// A binding's entities (`{partner}`: their ids), or a field of them (`{partner:name}`).
    Bound(String, Option<FieldRef>),
}

/// A compiled message template.
#[derive(Debug, Clone, Default)]
pub struct Template {
    parts: Vec<Part>,
}

/// A rule's message: `(condition, template)` entries tried in order; the first whose
/// condition surely holds on the entity the message is rendered for wins (a condition that
/// is unknown does not), and the last entry has no condition.
#[derive(Debug, Default)]
pub struct Message {
    pub entries: Vec<(Option<Cond>, Template)>,
}

impl Message {
    /// A message of one template.
    pub fn single(t: Template) -> Message {
        Message {
            entries: vec![(None, t)],
        }
    }

    /// The message for `env.current` (a group's first member).
    pub fn render(&self, env: &Env<'_>, group: Option<&GroupInfo<'_>>) -> String {
        self.render_bound(env, group, &BTreeMap::new())
    }

    /// The message for `env.current`, printing each binding's entities.
    pub fn render_bound(
        &self,
        env: &Env<'_>,
        group: Option<&GroupInfo<'_>>,
        bound: &BTreeMap<String, Vec<Idx>>,
    ) -> String {
        self.entries
            .iter()
            .find(|(c, _)| c.as_ref().is_none_or(|c| c.holds(env)))
            .or(self.entries.last())
            .map(|(_, t)| t.render_bound(env, group, bound))
            .unwrap_or_default()
    }
}

/// Group values a message may show.
pub struct GroupInfo<'a> {
    pub members: &'a [String],
    pub key: &'a str,
}

impl Template {
    pub fn compile(
        cx: &CondCx<'_>,
        text: &str,
        pos: Pos,
        scope: &Scope,
        group: bool,
        lets: &Lets,
        diags: &mut Diags,
    ) -> Option<Template> {
        Template::compile_bound(cx, text, pos, scope, group, lets, &[], diags)
    }

    /// Compile a message that may also print the rule's bindings.
    #[expect(
        clippy::too_many_arguments,
        reason = "the names a message may print come from two rule keys, `let` and `bind`"
    )]
    pub fn compile_bound(
        cx: &CondCx<'_>,
        text: &str,
        pos: Pos,
        scope: &Scope,
        group: bool,
        lets: &Lets,
        bound: &[Declared],
        diags: &mut Diags,
    ) -> Option<Template> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        let mut ok = true;
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        name.push(c);
                    }
                    if !closed {
                        cx.error(
                            diags,
                            pos,
                            "bad_message",
                            "the message has an unclosed `{`".into(),
                            "close the placeholder with `}`, or write `{{` for a brace".into(),
                        );
                        return None;
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut lit)));
                    }
                    let name = name.trim();
                    let part = match name {
                        _ if lets.iter().any(|(n, _)| n == name) => {
                            match lets.iter().find(|(n, _)| n == name) {
                                Some((_, e)) => Part::Value(Arc::clone(e)),
                                None => continue,
                            }
                        }
                        "members" | "count" | "key" if !group => {
                            cx.error(
                                diags,
                                pos,
                                "bad_message",
                                format!("`{{{name}}}` is only known in group rules"),
                                "use it in a rule with `group:`".into(),
                            );
                            ok = false;
                            continue;
                        }
                        _ if bound.iter().any(|b| b.name == name) => {
                            Part::Bound(name.to_owned(), None)
                        }
                        _ if name
                            .split_once(':')
                            .is_some_and(|(b, _)| bound.iter().any(|d| d.name == b)) =>
                        {
                            let (b, p) = name.split_once(':').unwrap_or_default();
                            // A name bound in several `any` branches reads fields any of
                            // their kinds has.
                            let mut kinds: Vec<String> = Vec::new();
                            let mut any_kind = false;
                            for d in bound.iter().filter(|d| d.name == b) {
                                any_kind |= d.scope.kinds.is_empty();
                                kinds.extend(d.scope.kinds.iter().cloned());
                            }
                            if any_kind {
                                kinds.clear();
                            }
                            let scope = Scope {
                                class: crate::vocabulary::Class::Node,
                                kinds,
                            };
                            match placeholder_path(cx, name, p, pos, &scope, diags) {
                                Some(path) => Part::Bound(
                                    b.to_owned(),
                                    Some(FieldRef {
                                        target: Target::Itself,
                                        path,
                                    }),
                                ),
                                None => {
                                    ok = false;
                                    continue;
                                }
                            }
                        }
                        "members" => Part::Members,
                        "count" => Part::Count,
                        "key" => Part::Key,
                        _ if name.split_once(':').is_some_and(|(r, _)| {
                            !["parent", "from", "to"].contains(&r)
                                && cx.vocab.reference_id(r).is_some()
                        }) =>
                        {
                            // `{backup:network}`: a field of the node a reference names.
                            let (r, p) = name.split_once(':').unwrap_or_default();
                            let hop = crate::value::Node {
                                value: crate::value::Value::Str(r.to_owned()),
                                pos,
                            };
                            let Some((target, target_scope)) =
                                super::relative::compile(cx, &hop, scope, diags)
                            else {
                                ok = false;
                                continue;
                            };
                            match cx.check_path(p, pos, &target_scope, diags) {
                                Some(path) => Part::Field(FieldRef { target, path }),
                                None => {
                                    ok = false;
                                    continue;
                                }
                            }
                        }
                        _ => {
                            let (target, path) = match name.split_once(':') {
                                Some(("parent", p)) => (Target::Parent, p),
                                Some(("from", p)) => (Target::From, p),
                                Some(("to", p)) => (Target::To, p),
                                Some((other, _)) => {
                                    cx.error(diags, pos, "bad_message", format!("unknown placeholder prefix `{other}:`"), "write `{field}`, `{parent:field}`, `{from:field}`, `{to:field}` or `{REFERENCE:field}` (a reference attribute's name)".into());
                                    ok = false;
                                    continue;
                                }
                                None => (Target::Itself, name),
                            };
                            if matches!(target, Target::From | Target::To)
                                && scope.class != crate::vocabulary::Class::Link
                            {
                                cx.error(
                                    diags,
                                    pos,
                                    "bad_message",
                                    format!("`{{{name}}}` reads a link's end, but this rule selects nodes"),
                                    "use `{field}` or `{parent:field}` in a rule that selects nodes".into(),
                                );
                                ok = false;
                                continue;
                            }
                            let target_scope = match target {
                                Target::Itself | Target::Subject => scope.clone(),
                                _ => Scope {
                                    class: crate::vocabulary::Class::Node,
                                    kinds: Vec::new(),
                                },
                            };
                            match placeholder_path(cx, name, path, pos, &target_scope, diags) {
                                Some(path) => Part::Field(FieldRef { target, path }),
                                None => {
                                    ok = false;
                                    continue;
                                }
                            }
                        }
                    };
                    parts.push(part);
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        ok.then_some(Template { parts })
    }

    /// Render for one entity (and its group, for group rules).
    pub fn render(&self, env: &Env<'_>, group: Option<&GroupInfo<'_>>) -> String {
        self.render_bound(env, group, &BTreeMap::new())
    }

    /// Render for one entity, printing each binding's entities (several joined by `, `).
    pub fn render_bound(
        &self,
        env: &Env<'_>,
        group: Option<&GroupInfo<'_>>,
        bound: &BTreeMap<String, Vec<Idx>>,
    ) -> String {
        // A run may render millions of messages: room for the text and a few values at once.
        let text: usize = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len(),
                _ => 0,
            })
            .sum();
        let mut out = String::with_capacity(text + 32);
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Field(f) => field_text(env, f, &mut out),
                Part::Value(e) => match e.eval(env) {
                    Out::Value(v) => push_value(&mut out, &v),
                    Out::Unknown | Out::Invalid(_) => out.push('?'),
                },
                Part::Members => {
                    let ms = group.map(|g| g.members.join(", ")).unwrap_or_default();
                    out.push_str(&ms);
                }
                Part::Count => out.push_str(&group.map_or(0, |g| g.members.len()).to_string()),
                Part::Key => out.push_str(group.map_or("", |g| g.key)),
                Part::Bound(name, field) => {
                    let shown: Vec<String> = bound
                        .get(name)
                        .into_iter()
                        .flatten()
                        .map(|&i| match field {
                            None => env.topo.entity(i).id.clone(),
                            Some(f) => env.at(i).field(f).map_or("?".into(), |v| v.display()),
                        })
                        .collect();
                    if shown.is_empty() {
                        out.push('?');
                    } else {
                        out.push_str(&shown.join(", "));
                    }
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

/// Write a field's value for a placeholder (`?` when it is not set). An entity's id is
/// written from the entity, without making a value of it first.
fn field_text(env: &Env<'_>, f: &FieldRef, out: &mut String) {
    if let [only] = f.path.as_slice()
        && only == "id"
    {
        match env.target(f.target) {
            Some(i) => out.push_str(&env.topo.entity(i).id),
            None => out.push('?'),
        }
        return;
    }
    match env.field(f) {
        Some(v) => push_value(out, &v),
        None => out.push('?'),
    }
}

/// Write a value as messages show it (text as it is, without a copy).
fn push_value(out: &mut String, v: &crate::value::Value) {
    match v {
        crate::value::Value::Str(s) => out.push_str(s),
        other => out.push_str(&other.display()),
    }
}

/// The path a placeholder reads, checked against the vocabulary; a field no vocabulary
/// declares is an unknown placeholder (`rule::bad_message`), with the fields it could be.
fn placeholder_path(
    cx: &CondCx<'_>,
    name: &str,
    path: &str,
    pos: Pos,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<Vec<String>> {
    let mut found = Diags::default();
    let checked = cx.check_path(path, pos, scope, &mut found);
    for mut d in found.0 {
        if d.code == "kbcheck::rule::unknown_field" {
            d.code = "kbcheck::rule::bad_message".to_owned();
            d.message = format!("unknown placeholder `{{{name}}}`: {}", d.message);
            d.help = d.help.map(|h| {
                format!("{h}; a placeholder is a field, a name from `let:` or `bind:`, or in group rules `members`, `count` or `key`")
            });
        }
        diags.push(d);
    }
    checked
}
