//! Conditions: `all` / `any` / `not`, field tests, tags, kinds and relations.
//!
//! A condition is compiled once from its YAML form (checking every field name against
//! the vocabulary) and evaluated against one entity at a time through an [`Env`].
//!
//! Evaluation is three-valued ([`Truth`]): a field test is **unknown** when a value it needs
//! is neither written nor derived, and unknown propagates by Kleene's rules (`all` is false if
//! any part is false, else unknown if any is; `any` is true if any part is true, else unknown
//! if any is; `not` keeps unknown). [`Cond::unknowns`] says which missing values made a
//! condition unknown, for the inconclusive results a check reports.

use super::env::Env;
use super::expr::{self, Expr, Out};
use super::operators::{self, CompareAs, OpCx, Operator};
use super::quantifier::{self, Quantified};
use super::relation::Relation;
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::reader::string_list;
use crate::source::SourceFile;
use crate::topology::Idx;
use crate::value::{Node, Pos, Value};
use crate::vocabulary::{Class, Vocabulary};

/// The outcome of a condition: true, false, or unknown because a value it needs is not set.
/// Ordered `False < Unknown < True`, so `and` is the minimum and `or` the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Truth {
    False,
    Unknown,
    True,
}

impl Truth {
    pub fn and(self, other: Truth) -> Truth {
        self.min(other)
    }

    pub fn or(self, other: Truth) -> Truth {
        self.max(other)
    }

    pub fn is_true(self) -> bool {
        self == Truth::True
    }

    /// The mark `kbcheck explain` shows: `[x]`, `[ ]` or `[?]`.
    pub fn mark(self) -> &'static str {
        match self {
            Truth::True => "[x]",
            Truth::False => "[ ]",
            Truth::Unknown => "[?]",
        }
    }
}

/// Kleene negation: unknown stays unknown.
impl std::ops::Not for Truth {
    type Output = Truth;

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

impl From<bool> for Truth {
    fn from(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
}

/// A value a condition needed that the entity does not have (neither written nor derived).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Missing {
    pub entity: Idx,
    pub path: Vec<String>,
}

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
    /// A short path of steps (`of: subject.parent`, `of: [from, parent]`).
    Chain(super::relative::Chain),
}

impl Target {
    pub const NAMES: &'static [&'static str] = &["self", "parent", "subject", "from", "to"];

    fn word(self) -> String {
        match self {
            Target::Itself => "self".into(),
            Target::Parent => "parent".into(),
            Target::Subject => "subject".into(),
            Target::From => "from".into(),
            Target::To => "to".into(),
            Target::Chain(c) => c.word(),
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

    /// The word for the entity the field is read from (`self`, `parent`, ...).
    pub fn target_word(&self) -> String {
        self.target.word()
    }

    pub fn describe(&self) -> String {
        match self.target {
            Target::Itself => format!("`{}`", self.text()),
            t => format!("the {}'s `{}`", t.word(), self.text()),
        }
    }
}

/// A compiled condition.
#[derive(Debug)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Field {
        field: FieldRef,
        op: Box<dyn Operator>,
        /// Which of the values the test reads (the field, then a field operand) have their
        /// absence handled by the rule: see [`Cond::mark_handled`].
        handled: [bool; 2],
    },
    /// `{value: EXPR, OPERATOR: ARG}`: test a computed value.
    Value {
        expr: Expr,
        op: Box<dyn Operator>,
        /// Fields whose absence an enclosing group handles (see [`Cond::mark_handled`]).
        handled: Vec<FieldRef>,
    },
    Tag(String),
    Kind(Vec<String>),
    Related(Box<Relation>),
    /// `{field: PATH, any: c}`: a quantifier over the elements of a list.
    Each(Box<Quantified>),
}

impl Cond {
    /// Evaluate on `env.current`: true, false, or unknown (a value it needs is not set).
    pub fn eval(&self, env: &Env<'_>) -> Truth {
        match self {
            Cond::All(cs) => {
                let mut out = Truth::True;
                for c in cs {
                    match c.eval(env) {
                        Truth::False => return Truth::False,
                        t => out = out.and(t),
                    }
                }
                out
            }
            Cond::Any(cs) => {
                let mut out = Truth::False;
                for c in cs {
                    match c.eval(env) {
                        Truth::True => return Truth::True,
                        t => out = out.or(t),
                    }
                }
                out
            }
            Cond::Not(c) => !c.eval(env),
            Cond::Field { field, op, handled } => {
                let v = env.field(field);
                match op.test(v.as_deref(), env) {
                    // Unknown only for a missing value whose absence the rule leaves open.
                    Truth::Unknown
                        if Cond::missing_refs(field, op.as_ref(), env, handled).is_empty() =>
                    {
                        Truth::False
                    }
                    t => t,
                }
            }
            Cond::Value { expr, op, handled } => {
                if operand_has_no_value(op.as_ref(), env) {
                    return Truth::False;
                }
                let t = match expr.eval(env) {
                    Out::Value(v) => op.test(Some(&v), env),
                    Out::Unknown => op.test(None, env),
                    // Set values that make no value: only a presence test is not false.
                    Out::Invalid(_) if op.is_presence_test() => op.test(None, env),
                    Out::Invalid(_) => Truth::False,
                };
                if t != Truth::Unknown {
                    return t;
                }
                // As for a field: unknown unless every unset value it reads is handled.
                let refs = Cond::value_refs(expr, op.as_ref(), env);
                if !refs.is_empty() && refs.iter().all(|r| is_in(handled, r)) {
                    Truth::False
                } else {
                    Truth::Unknown
                }
            }
            Cond::Tag(t) => Truth::from(env.topo.tags(env.current).iter().any(|x| x == t)),
            Cond::Kind(ks) => Truth::from(ks.contains(&env.topo.entity(env.current).kind)),
            Cond::Related(r) => r.eval(env),
            Cond::Each(q) => q.eval(env),
        }
    }

    /// Whether the condition holds (definitely).
    pub fn holds(&self, env: &Env<'_>) -> bool {
        self.eval(env).is_true()
    }

    /// The missing values that make this condition unknown on `env.current` (nothing when
    /// it is true or false): for `all` / `any`, those of the parts that are unknown.
    pub fn unknowns(&self, env: &Env<'_>, out: &mut Vec<Missing>) {
        if self.eval(env) != Truth::Unknown {
            return;
        }
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.unknowns(env, out)),
            Cond::Not(c) => c.unknowns(env, out),
            Cond::Value { expr, op, handled } => {
                let refs: Vec<&FieldRef> = Cond::value_refs(expr, op.as_ref(), env)
                    .into_iter()
                    .filter(|r| !is_in(handled, r))
                    .collect();
                missing_of(env, &refs, out);
            }
            Cond::Field { field, op, handled } => {
                missing_of(
                    env,
                    &Cond::missing_refs(field, op.as_ref(), env, handled),
                    out,
                );
            }
            Cond::Tag(_) | Cond::Kind(_) => {}
            Cond::Related(r) => r.unknowns(env, out),
            Cond::Each(q) => q.unknowns(env, out),
        }
    }

    /// The fields a value test reads (its expression, then its operand's) that are not set.
    fn value_refs<'f>(expr: &'f Expr, op: &'f dyn Operator, env: &Env<'_>) -> Vec<&'f FieldRef> {
        let mut refs = unset(expr, env);
        if let Some(e) = op.operand_expr() {
            e.unset_fields(env, &mut refs);
        }
        if let Some(r) = op.operand_field()
            && env.field(r).is_none_or(|v| matches!(*v, Value::Null))
        {
            refs.push(r);
        }
        refs
    }

    /// The values a field test reads that are not set and whose absence the rule does not
    /// handle itself.
    fn missing_refs<'f>(
        field: &'f FieldRef,
        op: &'f dyn Operator,
        env: &Env<'_>,
        handled: &[bool; 2],
    ) -> Vec<&'f FieldRef> {
        std::iter::once(field)
            .chain(op.operand_field())
            .zip(handled)
            .filter(|(r, handled)| {
                !**handled && env.field(r).is_none_or(|v| matches!(*v, Value::Null))
            })
            .map(|(r, _)| r)
            .collect()
    }

    /// Within a group of conditions, fields that some part tests with `exists` / `missing`
    /// have their absence handled by the rule's author: every other test of the same field
    /// in the group (at any depth, but not inside a relation, which reads other entities)
    /// is false, not unknown, when the field is not set. So
    /// `any: [{field: platform, equals: nt}, {all: [{field: platform, missing: true}, ...]}]`
    /// decides a missing `platform` by its second branch, as its author meant.
    pub fn mark_handled(group: &mut [Cond]) {
        let mut tested = Vec::new();
        for c in group.iter() {
            c.presence_tests(&mut tested);
        }
        if tested.is_empty() {
            return;
        }
        for c in group.iter_mut() {
            c.mark(&tested);
        }
    }

    fn presence_tests(&self, out: &mut Vec<FieldRef>) {
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.presence_tests(out)),
            Cond::Not(c) => c.presence_tests(out),
            Cond::Field { field, op, .. } if op.is_presence_test() => out.push(field.clone()),
            _ => {}
        }
    }

    fn mark(&mut self, tested: &[FieldRef]) {
        let same = |a: &FieldRef| {
            tested
                .iter()
                .any(|t| t.target == a.target && t.path == a.path)
        };
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter_mut().for_each(|c| c.mark(tested)),
            Cond::Not(c) => c.mark(tested),
            Cond::Field { field, op, handled } => {
                handled[0] |= same(field);
                handled[1] |= op.operand_field().is_some_and(same);
            }
            Cond::Value { handled, .. } => handled.extend(tested.iter().cloned()),
            Cond::Each(q) => q.handled.extend(tested.iter().cloned()),
            _ => {}
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
            Cond::Field { field, op, .. } => {
                out.push(format!("{pad}{} {}", field.describe(), op.describe()))
            }
            Cond::Value { expr, op, .. } => {
                out.push(format!("{pad}{} {}", expr.describe(), op.describe()))
            }
            Cond::Tag(t) => out.push(format!("{pad}is tagged `{t}`")),
            Cond::Kind(ks) => out.push(format!("{pad}is a {}", ks.join(" or "))),
            Cond::Related(r) => r.describe(depth, out),
            Cond::Each(q) => q.describe(depth, out),
        }
    }
}

/// The unset fields an expression reads.
fn unset<'e>(e: &'e Expr, env: &Env<'_>) -> Vec<&'e FieldRef> {
    let mut out = Vec::new();
    e.unset_fields(env, &mut out);
    out
}

/// Whether `r` is one of `list` (same entity, same path).
fn is_in(list: &[FieldRef], r: &FieldRef) -> bool {
    list.iter()
        .any(|h| h.target == r.target && h.path == r.path)
}

/// Whether the operator's operand is an expression that has no value (text where a number is
/// needed): the test is then definitely false, as for a field set to such a value.
fn operand_has_no_value(op: &dyn Operator, env: &Env<'_>) -> bool {
    op.operand_expr()
        .is_some_and(|e| matches!(e.eval(env), Out::Invalid(_)))
}

/// The missing values for unset fields, each once (a missing parent or link end is named as
/// such).
pub fn missing_of(env: &Env<'_>, refs: &[&FieldRef], out: &mut Vec<Missing>) {
    for r in refs {
        let missing = match env.target(r.target) {
            Some(entity) => Missing {
                entity,
                path: r.path.clone(),
            },
            // No parent (or link end) at all: what is missing is the parent.
            None => Missing {
                entity: env.current,
                path: vec![r.target_word()],
            },
        };
        push_missing(out, missing);
    }
}

/// Add a missing value once.
pub fn push_missing(out: &mut Vec<Missing>, m: Missing) {
    if !out.contains(&m) {
        out.push(m);
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
    /// The largest compiled size of a `matches` regex (`--max-regex-bytes`).
    pub max_regex_bytes: usize,
    /// Named conditions `{use: name}` may refer to.
    pub named: &'a super::named::Named,
    /// Inside a list quantifier: `{element: true}` reads the element tested.
    pub element: bool,
}

pub const SHAPES: &[&str] = &[
    "all", "any", "not", "field", "value", "tag", "kind", "related", "use",
];

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
        // List quantifiers and, inside one, element tests: `src/lang/quantifier.rs`.
        if quantifier::is_quantified(entries) {
            return quantifier::compile(self, node, entries, scope, diags);
        }
        if self.element && quantifier::is_element_test(entries) {
            return self.cond(&quantifier::on_element(node), scope, diags);
        }
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
                        "a condition needs one of `all`, `any`, `not`, `field`, `value`, `tag`, `kind`, `related`, `use`".to_owned()
                    } else {
                        format!("a condition has exactly one of {}; this one has {}", SHAPES.join(", "), shapes.join(" and "))
                    },
                    "split it into several conditions under `all: [...]`".into(),
                );
            }
            return None;
        }
        let shape = shapes.first().copied().unwrap_or("field");
        if !["field", "value"].contains(&shape) && entries.len() != 1 {
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
                Cond::mark_handled(&mut out);
                Some(if shape == "all" {
                    Cond::All(out)
                } else {
                    Cond::Any(out)
                })
            }
            "not" => {
                let c = self.cond(arg, scope, diags)?;
                if super::binding::binds(&c) {
                    self.error(
                        diags,
                        arg.pos,
                        "bad_binding",
                        "a relation under `not` matches nothing to bind".into(),
                        "remove `bind` here, or bind in a condition that says what exists".into(),
                    );
                    return None;
                }
                Some(Cond::Not(Box::new(c)))
            }
            "tag" => match &arg.value {
                Value::Str(t) => {
                    super::known::check_tag(self.file, self.vocab, t, arg.pos, diags);
                    Some(Cond::Tag(t.clone()))
                }
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
            "use" => self.use_named(arg, scope, diags),
            "related" => {
                Relation::compile(self, arg, scope, diags).map(|r| Cond::Related(Box::new(r)))
            }
            "value" => {
                if let Some((k, _)) = entries.iter().find(|(k, _)| k.name == "of") {
                    self.error(
                        diags,
                        k.pos,
                        "unknown_key",
                        "`of` goes inside the expression of `value`".into(),
                        "write `{value: {length: {field: name, of: parent}}, gt: 8}`".into(),
                    );
                    return None;
                }
                let typed = expr::compile_typed(self, arg, scope, diags);
                let what = format!(
                    "`{}`",
                    typed
                        .as_ref()
                        .map_or_else(String::new, |(e, _)| e.describe())
                );
                if let Some((_, ty)) = &typed {
                    quantifier::check_list_operator(self, *ty, entries, &what, diags)?;
                }
                let expr = typed.map(|(e, _)| e);
                let op = self.operator(node, entries, None, &what, scope, diags)?;
                Some(Cond::Value {
                    expr: expr?,
                    op,
                    handled: Vec::new(),
                })
            }
            _ => {
                let field = self.field_ref(node, scope, diags)?;
                let what = format!("`{}`", field.text());
                let ty = expr::Cx { cond: self, scope }.field_type(&field);
                quantifier::check_list_operator(self, ty, entries, &what, diags)?;
                let op = self.operator(node, entries, Some(&field), &what, scope, diags)?;
                // Compared with a computed operand: a value test, whose absence handling
                // covers the fields the operand reads too.
                if op.operand_expr().is_some() {
                    return Some(Cond::Value {
                        expr: Expr::Field(field),
                        op,
                        handled: Vec::new(),
                    });
                }
                Some(Cond::Field {
                    field,
                    op,
                    handled: [false, false],
                })
            }
        }
    }

    /// Compile the operator of a field or value condition (with its `as:`).
    fn operator(
        &self,
        node: &Node,
        entries: &[(crate::value::Key, Node)],
        field: Option<&FieldRef>,
        what: &str,
        scope: &Scope,
        diags: &mut Diags,
    ) -> Option<Box<dyn Operator>> {
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
            .filter(|(k, _)| !["field", "value", "of", "as"].contains(&k.name.as_str()))
            .collect();
        let [(key, arg)] = ops.as_slice() else {
            if ops.is_empty() {
                self.error(
                    diags,
                    node.pos,
                    "missing_operator",
                    format!("the condition on {what} has no operator"),
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
        let operand_expr = |n: &Node, d: &mut Diags| expr::compile(self, n, scope, d);
        let mut cx = OpCx {
            file: self.file,
            diags,
            compare_as: how,
            max_regex_bytes: self.max_regex_bytes,
            operand_ref: &operand_ref,
            operand_expr: &operand_expr,
        };
        let op = operators::compile(&key.name, arg, &mut cx)?;
        if let Some(field) = field {
            super::known::check_literals(self, field, &key.name, arg, how, scope, diags);
        }
        Some(op)
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
        // A path of several steps (`subject.parent`, `[from, parent]`) is a relative.
        if let Some(n) = node.value.get("of")
            && (matches!(n.value, Value::List(_))
                || n.value.as_str().is_some_and(|s| s.contains('.')))
        {
            let (target, target_scope) = super::relative::compile(self, n, scope, diags)?;
            let path = self.check_path(text, field.pos, &target_scope, diags)?;
            return Some(FieldRef { target, path });
        }
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
            Target::Parent | Target::From | Target::To | Target::Chain(_) => {
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
