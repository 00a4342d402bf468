//! Compiling one rule file's tree into a [`Rule`], reporting every problem with a span.

use super::binding::{self, Declared};
use super::named::Named;
use super::template::{Lets, Message, Template};
use super::{DeriveSpec, Level, Logic, Meta, Rule, Select};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::lang::cond::{CondCx, FieldRef, Scope, Target};
use crate::lang::expr::{self, Expr};
use crate::limits::Limits;
use crate::reader::{MapReader, string_list};
use crate::source::SourceFile;
use crate::value::{Node, Value};
use crate::vocabulary::{Class, Vocabulary};
use std::sync::Arc;

/// Keys a rule file may have.
pub const RULE_KEYS: &[&str] = &[
    "$schema",
    "id",
    "title",
    "kb",
    "products",
    "symptoms",
    "cause",
    "resolution",
    "references",
    "tags",
    "severity",
    "let",
    "select",
    "when",
    "group",
    "derive",
    "message",
    "report",
    "tests",
];

/// Whether `id` can be a rule id: letters, digits, `-`, `_` and `.`, not empty.
pub fn is_rule_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Compile a rule with the default limits; `None` if it has errors (all pushed to `diags`).
pub fn compile(
    file: &SourceFile,
    root: &Node,
    vocab: &Vocabulary,
    diags: &mut Diags,
) -> Option<Rule> {
    compile_with(file, root, vocab, &Limits::default(), diags)
}

/// Compile a rule within `limits` (the regex size limit applies while compiling).
pub fn compile_with(
    file: &SourceFile,
    root: &Node,
    vocab: &Vocabulary,
    limits: &Limits,
    diags: &mut Diags,
) -> Option<Rule> {
    compile_named(file, root, vocab, limits, &Named::default(), diags)
}

/// Compile a rule whose conditions may use the `named` conditions of its load.
pub fn compile_named(
    file: &SourceFile,
    root: &Node,
    vocab: &Vocabulary,
    limits: &Limits,
    named: &Named,
    diags: &mut Diags,
) -> Option<Rule> {
    // A skeleton from `kbcheck new rule` loads only once its author has filled it in.
    if super::placeholder::placeholders(file, root, diags) > 0 {
        return None;
    }
    let before = diags.0.len();
    let mut r = MapReader::new(file, root, "rule", "a rule", diags)?;
    // `$schema` lets JSON rule files point an editor at the rule schema.
    let _ = r.string("$schema", diags);
    let id = r.required_string("id", "the rule", diags);
    if let Some((id, pos)) = id
        && !is_rule_id(id)
    {
        diags.push(
            Diag::error(
                "rule::bad_id",
                format!("rule id `{id}` must be letters, digits, `-`, `_` and `.`, and not empty"),
            )
            .at(file, pos, "here")
            .help("use an id such as `KB-Q142196`"),
        );
    }
    let meta = Meta {
        title: r
            .required_string("title", "the rule", diags)
            .map(|s| s.0.to_owned())
            .unwrap_or_default(),
        kb: texts(&mut r, "kb", diags),
        products: texts(&mut r, "products", diags),
        symptoms: texts(&mut r, "symptoms", diags),
        cause: r
            .string("cause", diags)
            .map(|s| s.0.trim().to_owned())
            .unwrap_or_default(),
        resolution: r
            .string("resolution", diags)
            .map(|s| s.0.trim().to_owned())
            .unwrap_or_default(),
        references: texts(&mut r, "references", diags),
        tags: texts(&mut r, "tags", diags),
    };

    let select =
        match r.take("select") {
            Some(s) => select(file, vocab, s, diags),
            None => {
                diags.push(r.missing("select", "the rule").help(
                    "say which entities the rule looks at, e.g. `select: {kind: postoffice}`",
                ));
                None
            }
        };
    let scope = select.as_ref().map_or(
        Scope {
            class: Class::Node,
            kinds: Vec::new(),
        },
        |(s, _)| Scope {
            class: s.class,
            kinds: s.kinds.clone(),
        },
    );
    let no_lets = Vec::new();
    let base = CondCx {
        file,
        vocab,
        subject: scope.clone(),
        max_regex_bytes: limits.max_regex_bytes,
        named,
        element: false,
        lets: &no_lets,
        let_names: &[],
    };
    // `let:` first, so conditions, keys and values can read its names as `{let: NAME}`.
    let (let_table, let_names) = match r.take("let") {
        Some(n) => super::lets::compile(&base, n, &scope, diags),
        None => (Vec::new(), Vec::new()),
    };
    let cx = CondCx {
        lets: &let_table,
        let_names: &let_names,
        ..base
    };
    let lets: Lets = let_table
        .iter()
        .map(|(name, e, _)| (name.clone(), Arc::clone(e)))
        .collect();
    let s_where_given = select.as_ref().is_some_and(|(_, w)| w.is_some());
    let select = select.map(|(sel, where_node)| {
        let cond = where_node.and_then(|w| cx.cond(w, &scope, diags));
        Select { cond, ..sel }
    });

    let when = r.take("when");
    let group = r.take("group");
    let derive = r.take("derive");
    // `when` is the condition of a check or a derivation; a group selects with `select.where`.
    let shapes = [
        ("when", when.filter(|_| derive.is_none())),
        ("group", group),
        ("derive", derive),
    ];
    let given: Vec<&str> = shapes
        .iter()
        .filter(|(_, n)| n.is_some())
        .map(|(k, _)| *k)
        .collect();
    if given.len() > 1 {
        diags.push(
            Diag::error(
                "rule::conflicting_logic",
                format!(
                    "a rule has one of `when`, `group` or `derive`; this one has {}",
                    given.join(" and ")
                ),
            )
            .at(file, root.pos, "this rule")
            .help("split it into two rule files"),
        );
    }
    let logic = if let Some(g) = group {
        super::group::compile(&cx, g, &scope, diags).map(Logic::Group)
    } else if let Some(d) = derive {
        let cond = match when {
            Some(w) => cx.cond(w, &scope, diags),
            None => None,
        };
        derive_spec(&cx, d, &scope, diags)
            .map(|spec| Logic::Derive(DeriveSpec { when: cond, ..spec }))
    } else {
        match when {
            Some(w) => cx.cond(w, &scope, diags).map(|c| Logic::Check(Some(c))),
            None => Some(Logic::Check(None)),
        }
    };
    // From what the file says, not from what compiled: a group whose `within` is broken
    // must not also report its `{members}` placeholder as unknown.
    let is_group = group.is_some();
    let is_derive = group.is_none() && derive.is_some();

    let severity = match r.take("severity") {
        Some(s) => severity(&cx, s, &scope, diags),
        None if is_derive => Some(vec![(None, Level::Info)]),
        None => {
            diags.push(r.missing("severity", "the rule").help(
                "add `severity: error` (or warning, info), or a list of `{when: ..., level: ...}`",
            ));
            None
        }
    };
    // A selection or condition that did not compile declares nothing that can be checked:
    // trust `report` then, rather than pile errors on the one already given.
    let failed = select
        .as_ref()
        .is_none_or(|s| s.cond.is_none() && s_where_given)
        || logic.is_none();
    let mut bound = Vec::new();
    for c in [
        select.as_ref().and_then(|s| s.cond.as_ref()),
        match &logic {
            Some(Logic::Check(c)) => c.as_ref(),
            _ => None,
        },
    ]
    .into_iter()
    .flatten()
    {
        binding::declared(c, &mut bound);
    }
    if failed && let Some(n) = root.value.get("report") {
        for (name, pos) in
            string_list(file, n, "rule", "report", &mut Diags::default()).unwrap_or_default()
        {
            if bound.iter().any(|d| d.name == name) {
                continue;
            }
            bound.push(Declared {
                name: name.to_owned(),
                scope: Scope {
                    class: Class::Node,
                    kinds: Vec::new(),
                },
                pos,
                branches: Vec::new(),
            });
        }
    }
    let report = binding_report(&cx, &mut r, &bound, !is_group && !is_derive, diags);
    let message =
        match r.take("message") {
            Some(m) => message(&cx, m, &scope, is_group, &lets, &bound, diags),
            None if is_derive => Some(Message::default()),
            None => {
                diags.push(r.missing("message", "the rule").help(
                    "add a `message:` saying what is wrong, with placeholders such as `{id}`",
                ));
                None
            }
        };
    let tests = r
        .take("tests")
        .map(|t| super::cases::compile(file, t, diags))
        .unwrap_or_default();
    r.finish(RULE_KEYS, "a rule", diags);

    if diags.0.len() > before && diags.0.iter().skip(before).any(Diag::is_error) {
        return None;
    }
    let (id, pos) = id?;
    Some(Rule {
        id: id.to_owned(),
        name: std::sync::Arc::new(super::RuleName {
            id: id.to_owned(),
            kb: meta.kb.clone(),
        }),
        meta,
        select: select?,
        logic: logic?,
        severity: severity?,
        message: message?,
        report: report.unwrap_or_default(),
        binds: !bound.is_empty(),
        tests,
        file: file.clone(),
        pos,
    })
}

fn texts(r: &mut MapReader<'_>, key: &str, diags: &mut Diags) -> Vec<String> {
    r.strings(key, diags)
        .unwrap_or_default()
        .into_iter()
        .map(|(s, _)| s.trim().to_owned())
        .collect()
}

/// The selection, with its `where` left for the caller to compile once the scope is known.
fn select<'n>(
    file: &'n SourceFile,
    vocab: &Vocabulary,
    node: &'n Node,
    diags: &mut Diags,
) -> Option<(Select, Option<&'n Node>)> {
    let mut r = MapReader::new(file, node, "rule", "`select`", diags)?;
    let kind = r.take("kind");
    let link = r.take("link");
    let (class, kinds_node) = match (kind, link) {
        (Some(_), Some(l)) => {
            diags.push(
                Diag::error(
                    "rule::bad_select",
                    "`select` takes `kind` (nodes) or `link` (links), not both",
                )
                .at(file, l.pos, "here")
                .help("write two rules, one for nodes and one for links"),
            );
            return None;
        }
        (Some(k), None) => (Class::Node, Some(k)),
        (None, Some(l)) => (Class::Link, Some(l)),
        (None, None) => (Class::Node, None),
    };
    let mut kinds = Vec::new();
    if let Some(k) = kinds_node {
        let known = vocab.kind_names(class);
        for (name, pos) in string_list(file, k, "rule", "kind", diags)? {
            if name == "*" {
                continue;
            }
            if !known.contains(&name) {
                let code = if class == Class::Link {
                    "rule::unknown_link_kind"
                } else {
                    "rule::unknown_kind"
                };
                diags.push(
                    Diag::error(code, format!("unknown {} kind `{name}`", class.word()))
                        .at(file, pos, "no vocabulary declares this kind")
                        .help(suggestion_help(
                            name,
                            &known,
                            &format!("{} kinds", class.word()),
                        )),
                );
                return None;
            }
            kinds.push(name.to_owned());
        }
    }
    let tags = r
        .strings("tags", diags)
        .unwrap_or_default()
        .into_iter()
        .map(|(s, pos)| {
            super::known::check_tag(file, vocab, s, pos, diags);
            s.to_owned()
        })
        .collect();
    let where_node = r.take("where");
    r.finish(&["kind", "link", "tags", "where"], "`select`", diags);
    Some((
        Select {
            class,
            kinds,
            tags,
            cond: None,
        },
        where_node,
    ))
}

fn derive_spec(
    cx: &CondCx<'_>,
    node: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<DeriveSpec> {
    let mut r = MapReader::new(cx.file, node, "rule", "`derive`", diags)?;
    let Some(set) = r.take("set") else {
        diags.push(
            r.missing("set", "`derive`")
                .help("say which values the article implies: `set: {serial: \"22-28798\"}`"),
        );
        return None;
    };
    let conflict = r
        .take("conflict")
        .map(|c| conflict_spec(cx, c, scope, diags));
    r.finish(&["set", "conflict"], "`derive`", diags);
    let conflict = match conflict {
        Some(None) => return None,
        Some(Some(c)) => Some(c),
        None => None,
    };
    let sr = MapReader::new(cx.file, set, "rule", "`set`", diags)?;
    let mut out = Vec::new();
    for (k, v) in sr.rest() {
        let path = cx.check_path(&k.name, k.pos, scope, diags)?;
        if path.len() == 1
            && path.first().is_some_and(|p| {
                ["id", "kind", "parent", "tags", "from", "to"].contains(&p.as_str())
            })
        {
            cx.error(
                diags,
                k.pos,
                "bad_derive",
                format!(
                    "`{}` is structure, not an attribute; it cannot be derived",
                    k.name
                ),
                "derive attributes only".into(),
            );
            return None;
        }
        if expr::is_function(v) || v.value.get("field").is_some() {
            // A computed value: its type, when known, must be the attribute's.
            let (e, ty) = expr::compile_typed(cx, v, scope, diags)?;
            let target = FieldRef {
                target: Target::Itself,
                path: path.clone(),
            };
            let want = expr::Cx { cond: cx, scope }.field_type(&target);
            if ty != expr::Ty::Any && want != expr::Ty::Any && ty != want {
                cx.error(
                    diags,
                    expr::whole(cx.file, v),
                    "bad_derive",
                    format!(
                        "`{}` is {}, but this computes {}",
                        k.name,
                        want.word(),
                        ty.word()
                    ),
                    "compute a value of the attribute's type, e.g. `{number: ...}` or `{concat: [...]}`".into(),
                );
                return None;
            }
            out.push((path, e));
            continue;
        }
        // The derived value must fit the vocabulary like a written one.
        let mut check = Diags::default();
        for kind in if scope.kinds.is_empty() {
            cx.vocab
                .kind_names(scope.class)
                .into_iter()
                .map(str::to_owned)
                .collect()
        } else {
            scope.kinds.clone()
        } {
            if let Some(first) = path.first()
                && cx.vocab.attribute(scope.class, &kind, first).is_some()
            {
                let wrapped = nest(&path, v);
                let key = crate::value::Key {
                    name: first.as_str().into(),
                    pos: k.pos,
                };
                cx.vocab
                    .check_attribute(cx.file, scope.class, &kind, &key, &wrapped, &mut check);
            }
        }
        // A derived value outside an enumeration is the rule's mistake, not a plan's word.
        let refused = |d: &Diag| d.is_error() || d.code == "kbcheck::topology::unknown_value";
        for d in check.0.into_iter().filter(refused) {
            diags.push(Diag {
                code: "kbcheck::rule::bad_derive".into(),
                severity: miette::Severity::Error,
                ..d
            });
        }
        out.push((path, Expr::Literal(v.value.clone())));
    }
    Some(DeriveSpec {
        set: out,
        when: None,
        conflict,
    })
}

/// `conflict: {severity, message}`: the finding for a written value that differs from the
/// derived one.
fn conflict_spec(
    cx: &CondCx<'_>,
    node: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<super::Conflict> {
    let mut r = MapReader::new(cx.file, node, "rule", "`conflict`", diags)?;
    let severity = match r.take("severity") {
        Some(s) => severity(cx, s, scope, diags),
        None => {
            diags.push(r.missing("severity", "`conflict`").help(
                "say how grave a written value that differs is: `severity: error`, or a list of `{when: ..., level: ...}`",
            ));
            None
        }
    };
    let message = match r.string("message", diags) {
        Some((text, pos)) => Template::compile(cx, text, pos, scope, false, &Lets::new(), diags),
        None => {
            diags.push(r.missing("message", "`conflict`").help(
                "say both values: the written one (a placeholder such as `{serial}`) and the one the article implies",
            ));
            None
        }
    };
    r.finish(&["severity", "message"], "`conflict`", diags);
    Some(super::Conflict {
        severity: severity?,
        message: message?,
    })
}

/// Wrap a value for a nested path (`install.disk: 2` → `{disk: 2}` under `install`).
fn nest(path: &[String], v: &Node) -> Node {
    let mut node = v.clone();
    for seg in path.iter().skip(1).rev() {
        node = Node {
            value: Value::Map(vec![(
                crate::value::Key {
                    name: seg.as_str().into(),
                    pos: v.pos,
                },
                node,
            )]),
            pos: v.pos,
        };
    }
    node
}

/// `message: TEXT`, or a list of `{when, text}` entries ending in one without `when`.
fn message(
    cx: &CondCx<'_>,
    node: &Node,
    scope: &Scope,
    is_group: bool,
    lets: &Lets,
    bound: &[Declared],
    diags: &mut Diags,
) -> Option<Message> {
    match &node.value {
        Value::Str(text) => {
            Template::compile_bound(cx, text, node.pos, scope, is_group, lets, bound, diags)
                .map(Message::single)
        }
        Value::List(items) if !items.is_empty() => {
            let mut entries = Vec::new();
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                let Some(mut r) = MapReader::new(cx.file, item, "rule", "a message entry", diags)
                else {
                    ok = false;
                    continue;
                };
                let cond = r.take("when").map(|w| cx.cond(w, scope, diags));
                let text = r.string("text", diags);
                if text.is_none() {
                    diags.push(
                        r.missing("text", "a message entry")
                            .help("write the message for this case: `text: \"...\"`"),
                    );
                }
                r.finish(&["when", "text"], "a message entry", diags);
                let Some((text, pos)) = text else {
                    ok = false;
                    continue;
                };
                if cond.is_none() != (i + 1 == items.len()) {
                    cx.error(
                        diags,
                        item.pos,
                        "bad_message",
                        "every message entry but the last needs `when`, and the last has none"
                            .into(),
                        "entries are tried in order; end the list with the default `- {text: ...}`"
                            .into(),
                    );
                    ok = false;
                    continue;
                }
                let template =
                    Template::compile_bound(cx, text, pos, scope, is_group, lets, bound, diags);
                match (cond, template) {
                    (None, Some(t)) => entries.push((None, t)),
                    (Some(Some(c)), Some(t)) => entries.push((Some(c), t)),
                    _ => ok = false,
                }
            }
            ok.then_some(Message { entries })
        }
        _ => {
            cx.error(
                diags,
                node.pos,
                "bad_message",
                "`message` must be a text or a list of `{when, text}` entries".into(),
                "write `message: \"postoffice `{id}` ...\"`, or entries ending in `- {text: ...}`"
                    .into(),
            );
            None
        }
    }
}

fn severity(
    cx: &CondCx<'_>,
    node: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<Vec<(Option<crate::lang::cond::Cond>, Level)>> {
    let level = |n: &Node, diags: &mut Diags| -> Option<Level> {
        let word = n.value.display();
        match Level::parse(&word) {
            Some(l) => Some(l),
            None => {
                cx.error(
                    diags,
                    n.pos,
                    "bad_severity",
                    format!("unknown severity `{word}`"),
                    suggestion_help(&word, Level::NAMES, "severities"),
                );
                None
            }
        }
    };
    match &node.value {
        Value::Str(_) => Some(vec![(None, level(node, diags)?)]),
        Value::List(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let mut r = MapReader::new(cx.file, item, "rule", "a severity entry", diags)?;
                let cond = match r.take("when") {
                    Some(w) => Some(cx.cond(w, scope, diags)?),
                    None => None,
                };
                let Some(l) = r.take("level") else {
                    diags.push(r.missing("level", "a severity entry"));
                    return None;
                };
                let l = level(l, diags)?;
                r.finish(&["when", "level"], "a severity entry", diags);
                if cond.is_none() && i + 1 != items.len() {
                    cx.error(
                        diags,
                        item.pos,
                        "bad_severity",
                        "only the last severity entry may omit `when`".into(),
                        "put the unconditional level last; entries are tried in order".into(),
                    );
                    return None;
                }
                out.push((cond, l));
            }
            if out.last().is_none_or(|(c, _)| c.is_some()) {
                cx.error(
                    diags,
                    node.pos,
                    "bad_severity",
                    "the severity list needs a last entry without `when`".into(),
                    "end the list with the default, e.g. `- {level: warning}`".into(),
                );
                return None;
            }
            Some(out)
        }
        other => {
            cx.error(diags, node.pos, "bad_severity", format!("`severity` takes a level or a list, found a {}", other.type_name()), "write `severity: error`, or `[{when: {tag: production}, level: error}, {level: warning}]`".into());
            None
        }
    }
}

/// Read `report: [name, ...]`: bindings the rule declares (each once), in a check rule.
/// Also checks the declared bindings have distinct names.
fn binding_report(
    cx: &CondCx<'_>,
    r: &mut MapReader<'_>,
    bound: &[Declared],
    is_check: bool,
    diags: &mut Diags,
) -> Option<Vec<String>> {
    for (k, d) in bound.iter().enumerate() {
        if bound
            .iter()
            .take(k)
            .any(|e| e.name == d.name && !e.alternative_to(d))
        {
            cx.error(
                diags,
                d.pos,
                "bad_binding",
                format!("binding `{}` is bound twice", d.name),
                "give each `bind` its own name (one name may be bound in different branches of an `any`)".into(),
            );
            return None;
        }
    }
    let node = r.take("report")?;
    if !is_check {
        cx.error(
            diags,
            node.pos,
            "bad_binding",
            "`report` names bindings in the findings of a check rule (one with `when`)".into(),
            "a group's findings name its members already; remove `report`".into(),
        );
        return None;
    }
    let names: Vec<&str> = bound.iter().map(|d| d.name.as_str()).collect();
    let mut out: Vec<String> = Vec::new();
    for (name, pos) in string_list(cx.file, node, "rule", "report", diags)? {
        if !names.contains(&name) {
            cx.error(
                diags,
                pos,
                "unknown_binding",
                format!("`report` names `{name}`, which no relation binds"),
                if names.is_empty() {
                    "add `bind: NAME` to a relation in `select.where` or `when`, then report it"
                        .to_owned()
                } else {
                    suggestion_help(name, &names, "bindings")
                },
            );
            return None;
        }
        if out.iter().any(|o| o == name) {
            cx.error(
                diags,
                pos,
                "bad_binding",
                format!("`report` names `{name}` twice"),
                "name each binding once".into(),
            );
            return None;
        }
        out.push(name.to_owned());
    }
    Some(out)
}
