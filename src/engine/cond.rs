//! Conditions: `all` / `any` / `not`, field tests, tags, kinds and relations.
//!
//! A condition is compiled once from its YAML form (checking every field name against
//! the vocabulary) and evaluated against one entity at a time through an [`Env`].

use super::operators::{self, CompareAs, OpCx, Operator};
use super::relation::Relation;
use super::{DerivedStore, DerivedUse};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::reader::string_list;
use crate::source::SourceFile;
use crate::topology::{Idx, Topology};
use crate::value::{Node, Pos, Value};
use crate::vocabulary::{Class, Vocabulary};
use std::borrow::Cow;
use std::cell::RefCell;

/// Which entity a field is read from, relative to the one being tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The entity the condition is evaluated on.
    Itself,
    /// Its parent node.
    Parent,
    /// The entity the rule selected (differs from `Itself` inside a relation).
    Subject,
    /// The node a link starts at.
    From,
    /// The node a link ends at.
    To,
}

impl Target {
    pub const NAMES: &'static [&'static str] = &["self", "parent", "subject", "from", "to"];

    fn word(self) -> &'static str {
        match self {
            Target::Itself => "self",
            Target::Parent => "parent",
            Target::Subject => "subject",
            Target::From => "from",
            Target::To => "to",
        }
    }
}

/// A field of some entity, parsed once.
#[derive(Debug, Clone)]
pub struct FieldRef {
    pub target: Target,
    pub path: Vec<String>,
}

impl FieldRef {
    pub fn text(&self) -> String {
        self.path.join(".")
    }

    pub fn describe(&self) -> String {
        match self.target {
            Target::Itself => format!("`{}`", self.text()),
            t => format!("the {}'s `{}`", t.word(), self.text()),
        }
    }
}

/// What condition evaluation reads: the topology, derived facts, and which entity is which.
pub struct Env<'a> {
    pub topo: &'a Topology,
    pub derived: &'a DerivedStore,
    /// The entity being tested.
    pub current: Idx,
    /// The entity the rule selected.
    pub subject: Idx,
    /// Derived values read so far, so a finding can say what it rests on.
    pub uses: &'a RefCell<Vec<DerivedUse>>,
}

impl<'a> Env<'a> {
    /// The same environment, testing another entity.
    pub fn at(&self, current: Idx) -> Env<'a> {
        Env { current, ..*self }
    }

    /// The entity a target names, if there is one.
    pub fn target(&self, t: Target) -> Option<Idx> {
        let e = self.topo.entity(self.current);
        match t {
            Target::Itself => Some(self.current),
            Target::Subject => Some(self.subject),
            Target::Parent => e.parent,
            Target::From => e.from,
            Target::To => e.to,
        }
    }

    /// Read a field: written values first, then derived facts (recorded as used).
    pub fn field(&self, r: &FieldRef) -> Option<Cow<'a, Value>> {
        let i = self.target(r.target)?;
        if let Some(v) = self.topo.get(i, &r.path) {
            return Some(v);
        }
        let d = self.derived.get(i, &r.path)?;
        let mut uses = self.uses.borrow_mut();
        if !uses.iter().any(|u| u.entity == i && u.path == r.path) {
            uses.push(DerivedUse {
                entity: i,
                path: r.path.clone(),
                value: d.value.clone(),
                rule: d.rule.clone(),
            });
        }
        Some(Cow::Borrowed(&d.value))
    }
}

impl Clone for Env<'_> {
    fn clone(&self) -> Self {
        *self
    }
}
impl Copy for Env<'_> {}

/// A compiled condition.
#[derive(Debug)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Field {
        field: FieldRef,
        op: Box<dyn Operator>,
    },
    Tag(String),
    Kind(Vec<String>),
    Related(Box<Relation>),
}

impl Cond {
    pub fn eval(&self, env: &Env<'_>) -> bool {
        match self {
            Cond::All(cs) => cs.iter().all(|c| c.eval(env)),
            Cond::Any(cs) => cs.iter().any(|c| c.eval(env)),
            Cond::Not(c) => !c.eval(env),
            Cond::Field { field, op } => {
                let v = env.field(field);
                op.test(v.as_deref(), env)
            }
            Cond::Tag(t) => env.topo.tags(env.current).iter().any(|x| x == t),
            Cond::Kind(ks) => ks.contains(&env.topo.entity(env.current).kind),
            Cond::Related(r) => r.eval(env),
        }
    }

    /// The condition in plain words, one clause per line, indented by depth.
    pub fn describe(&self, depth: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(depth);
        match self {
            Cond::All(cs) => {
                out.push(format!("{pad}all of:"));
                cs.iter().for_each(|c| c.describe(depth + 1, out));
            }
            Cond::Any(cs) => {
                out.push(format!("{pad}any of:"));
                cs.iter().for_each(|c| c.describe(depth + 1, out));
            }
            Cond::Not(c) => {
                out.push(format!("{pad}not:"));
                c.describe(depth + 1, out);
            }
            Cond::Field { field, op } => {
                out.push(format!("{pad}{} {}", field.describe(), op.describe()))
            }
            Cond::Tag(t) => out.push(format!("{pad}is tagged `{t}`")),
            Cond::Kind(ks) => out.push(format!("{pad}is a {}", ks.join(" or "))),
            Cond::Related(r) => r.describe(depth, out),
        }
    }
}

/// What kind of entity a condition is evaluated on, for checking field names.
#[derive(Debug, Clone)]
pub struct Scope {
    pub class: Class,
    /// Possible kinds (empty: any kind of the class).
    pub kinds: Vec<String>,
}

/// Context for compiling conditions.
pub struct CondCx<'a> {
    pub file: &'a SourceFile,
    pub vocab: &'a Vocabulary,
    /// The rule's selected entities.
    pub subject: Scope,
}

const SHAPES: &[&str] = &["all", "any", "not", "field", "tag", "kind", "related"];

impl CondCx<'_> {
    pub fn error(&self, diags: &mut Diags, pos: Pos, code: &str, message: String, help: String) {
        diags.push(
            Diag::error(&format!("rule::{code}"), message)
                .at(self.file, pos, "here")
                .help(help),
        );
    }

    /// Compile a condition evaluated on entities of `scope`.
    pub fn cond(&self, node: &Node, scope: &Scope, diags: &mut Diags) -> Option<Cond> {
        let Value::Map(entries) = &node.value else {
            self.error(
                diags,
                node.pos,
                "bad_condition",
                format!("a condition must be a map, found a {}", node.value.type_name()),
                "write a condition such as `{field: serial, equals: \"0799-99992\"}` or `{all: [...]}`".into(),
            );
            return None;
        };
        let shapes: Vec<&str> = entries
            .iter()
            .map(|(k, _)| k.name.as_str())
            .filter(|k| SHAPES.contains(k))
            .collect();
        if shapes.len() != 1 {
            let unknown = entries.iter().find(|(k, _)| {
                !SHAPES.contains(&k.name.as_str())
                    && !operators::NAMES.contains(&k.name.as_str())
                    && !["of", "as"].contains(&k.name.as_str())
            });
            if let Some((k, _)) = unknown {
                let mut known: Vec<&str> = SHAPES.to_vec();
                known.extend(operators::NAMES);
                known.extend(["of", "as"]);
                diags.push(
                    Diag::error(
                        "rule::unknown_operator",
                        format!("unknown condition key `{}`", k.name),
                    )
                    .at(
                        self.file,
                        k.pos,
                        "not an operator or condition kbcheck knows",
                    )
                    .help(suggestion_help(&k.name, &known, "condition keys")),
                );
            } else {
                self.error(
                    diags,
                    node.pos,
                    "bad_condition",
                    if shapes.is_empty() {
                        "a condition needs one of `all`, `any`, `not`, `field`, `tag`, `kind`, `related`".to_owned()
                    } else {
                        format!("a condition has exactly one of {}; this one has {}", SHAPES.join(", "), shapes.join(" and "))
                    },
                    "split it into several conditions under `all: [...]`".into(),
                );
            }
            return None;
        }
        let shape = shapes.first().copied().unwrap_or("field");
        if shape != "field" && entries.len() != 1 {
            let extra = entries.iter().find(|(k, _)| k.name != shape);
            if let Some((k, _)) = extra {
                let help = if operators::NAMES.contains(&k.name.as_str()) {
                    "an operator goes with `field:`, e.g. `{field: serial, equals: ...}`".to_owned()
                } else {
                    format!(
                        "`{shape}` stands alone in its condition; move `{}` into its own condition",
                        k.name
                    )
                };
                diags.push(
                    Diag::error(
                        "rule::unknown_key",
                        format!("unexpected key `{}` in a `{shape}` condition", k.name),
                    )
                    .at(self.file, k.pos, "does not belong here")
                    .help(help),
                );
            }
            return None;
        }
        let arg = node.value.get(shape)?;
        match shape {
            "all" | "any" => {
                let Value::List(items) = &arg.value else {
                    self.error(
                        diags,
                        arg.pos,
                        "bad_condition",
                        format!(
                            "`{shape}` takes a list of conditions, found a {}",
                            arg.value.type_name()
                        ),
                        format!("write `{shape}: [{{...}}, {{...}}]`"),
                    );
                    return None;
                };
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match self.cond(item, scope, diags) {
                        Some(c) => out.push(c),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Some(if shape == "all" {
                    Cond::All(out)
                } else {
                    Cond::Any(out)
                })
            }
            "not" => self.cond(arg, scope, diags).map(|c| Cond::Not(Box::new(c))),
            "tag" => match &arg.value {
                Value::Str(t) => Some(Cond::Tag(t.clone())),
                other => {
                    self.error(
                        diags,
                        arg.pos,
                        "wrong_type",
                        format!("`tag` takes a tag name, found a {}", other.type_name()),
                        "write `tag: production`".into(),
                    );
                    None
                }
            },
            "kind" => {
                let kinds = string_list(self.file, arg, "rule", "kind", diags)?;
                let known = self.vocab.kind_names(scope.class);
                let mut out = Vec::new();
                for (k, pos) in kinds {
                    if !known.contains(&k) {
                        self.error(
                            diags,
                            pos,
                            "unknown_kind",
                            format!("unknown {} kind `{k}`", scope.class.word()),
                            suggestion_help(k, &known, "kinds"),
                        );
                        return None;
                    }
                    out.push(k.to_owned());
                }
                Some(Cond::Kind(out))
            }
            "related" => {
                Relation::compile(self, arg, scope, diags).map(|r| Cond::Related(Box::new(r)))
            }
            _ => self.field_cond(node, entries, scope, diags),
        }
    }

    fn field_cond(
        &self,
        node: &Node,
        entries: &[(crate::value::Key, Node)],
        scope: &Scope,
        diags: &mut Diags,
    ) -> Option<Cond> {
        let field = self.field_ref(node, scope, diags)?;
        let how = match node.value.get("as") {
            None => CompareAs::Value,
            Some(n) => match n.value.as_str().and_then(CompareAs::parse) {
                Some(how) => how,
                None => {
                    let word = n.value.display();
                    self.error(
                        diags,
                        n.pos,
                        "bad_argument",
                        "`as` takes `value`, `version` or `caseless`".into(),
                        suggestion_help(&word, CompareAs::NAMES, "compare modes"),
                    );
                    return None;
                }
            },
        };
        let ops: Vec<&(crate::value::Key, Node)> = entries
            .iter()
            .filter(|(k, _)| !["field", "of", "as"].contains(&k.name.as_str()))
            .collect();
        let [(key, arg)] = ops.as_slice() else {
            if ops.is_empty() {
                self.error(
                    diags,
                    node.pos,
                    "missing_operator",
                    format!("the condition on `{}` has no operator", field.text()),
                    format!("add one of: {}", operators::NAMES.join(", ")),
                );
            } else {
                let names: Vec<&str> = ops.iter().map(|(k, _)| k.name.as_str()).collect();
                self.error(
                    diags,
                    node.pos,
                    "bad_condition",
                    format!(
                        "a field condition takes one operator; this one has {}",
                        names.join(", ")
                    ),
                    "split it into several conditions under `all: [...]`".into(),
                );
            }
            return None;
        };
        if !operators::NAMES.contains(&key.name.as_str()) {
            diags.push(
                Diag::error(
                    "rule::unknown_operator",
                    format!("unknown operator `{}`", key.name),
                )
                .at(self.file, key.pos, "not an operator kbcheck knows")
                .help(suggestion_help(&key.name, operators::NAMES, "operators")),
            );
            return None;
        }
        let operand_ref = |n: &Node, d: &mut Diags| self.field_ref(n, scope, d);
        let mut cx = OpCx {
            file: self.file,
            diags,
            compare_as: how,
            operand_ref: &operand_ref,
        };
        let op = operators::compile(&key.name, arg, &mut cx)?;
        Some(Cond::Field { field, op })
    }

    /// Compile `{field: path, of: target}` (the `of` is optional), checking the path.
    pub fn field_ref(&self, node: &Node, scope: &Scope, diags: &mut Diags) -> Option<FieldRef> {
        let field = node.value.get("field")?;
        let Value::Str(text) = &field.value else {
            self.error(
                diags,
                field.pos,
                "wrong_type",
                "`field` takes a dotted attribute path".into(),
                "write `field: install.source`".into(),
            );
            return None;
        };
        let target = match node.value.get("of") {
            None => Target::Itself,
            Some(n) => match n.value.as_str() {
                Some("self") => Target::Itself,
                Some("parent") => Target::Parent,
                Some("subject") => Target::Subject,
                Some("from") => Target::From,
                Some("to") => Target::To,
                _ => {
                    let word = n.value.display();
                    self.error(
                        diags,
                        n.pos,
                        "unknown_target",
                        format!("unknown `of` target `{word}`"),
                        suggestion_help(&word, Target::NAMES, "targets"),
                    );
                    return None;
                }
            },
        };
        let target_scope = match target {
            Target::Itself => scope.clone(),
            Target::Subject => self.subject.clone(),
            Target::Parent | Target::From | Target::To => {
                if matches!(target, Target::From | Target::To) && scope.class != Class::Link {
                    self.error(
                        diags,
                        field.pos,
                        "unknown_target",
                        format!("`of: {}` only applies to links", target.word()),
                        "use `of: parent`, or select links".into(),
                    );
                    return None;
                }
                Scope {
                    class: Class::Node,
                    kinds: Vec::new(),
                }
            }
        };
        let path = self.check_path(text, field.pos, &target_scope, diags)?;
        Some(FieldRef { target, path })
    }

    /// Check a dotted path names a reserved key or an attribute the vocabulary declares.
    pub fn check_path(
        &self,
        text: &str,
        pos: Pos,
        scope: &Scope,
        diags: &mut Diags,
    ) -> Option<Vec<String>> {
        let path: Vec<String> = text.split('.').map(str::to_owned).collect();
        if path.iter().any(String::is_empty) {
            self.error(
                diags,
                pos,
                "bad_field",
                format!("`{text}` is not a field path"),
                "write attribute names joined by dots, e.g. `install.source`".into(),
            );
            return None;
        }
        let reserved: &[&str] = match scope.class {
            Class::Node => &["id", "kind", "parent", "tags"],
            Class::Link => &["id", "kind", "from", "to", "tags"],
        };
        if path.len() == 1 && path.first().is_some_and(|p| reserved.contains(&p.as_str())) {
            return Some(path);
        }
        if self.vocab.path_known(scope.class, &scope.kinds, &path) {
            return Some(path);
        }
        let mut known = self.vocab.known_paths(scope.class, &scope.kinds);
        known.extend(reserved.iter().map(|s| (*s).to_owned()));
        let names: Vec<&str> = known.iter().map(String::as_str).collect();
        let on = if scope.kinds.is_empty() {
            format!("any {} kind", scope.class.word())
        } else {
            format!("`{}`", scope.kinds.join("` or `"))
        };
        diags.push(
            Diag::error(
                "rule::unknown_field",
                format!("no vocabulary declares `{text}` on {on}"),
            )
            .at(self.file, pos, "unknown field")
            .help(suggestion_help(text, &names, "fields")),
        );
        None
    }
}
