//! Value expressions: a value a rule computes from fields before it compares, groups,
//! derives or prints it — `{add: [{field: mailboxes}, {field: custom-recipients}]}`,
//! `{length: {field: name}}`, `{number: {field: address, extract: ':([0-9]+)$'}}`.
//!
//! An expression is a literal (a scalar), a field read (`{field: PATH, of: TARGET}`), or a
//! function: a map with one function key and that function's modifiers. Each family of
//! functions has its file (`arith`, `text`, `number`, `lookup`, `capture`, `date`) and one arm in [`FUNCTIONS`]'s
//! dispatch. An expression is compiled once per rule: field paths and types are checked
//! against the vocabulary, regexes built; a function given a value of the wrong type where
//! the type is known when the rule loads (`{length: 12}`, `{add: [{field: name}, 1]}`) is a
//! load error pointing at the argument.
//!
//! Evaluation gives a value, **unknown** (a field it reads is not set — Kleene, as the rest of
//! the language) or **no value** (a value that does not fit: text where a number is needed,
//! division by zero, a regex that does not match). A condition on no value is false; no value
//! beats unknown, as false beats unknown in `all`.

mod aggregate;
mod arith;
mod capture;
mod date;
mod element;
mod let_ref;

pub use let_ref::{LetTable, let_refs};
mod lookup;
mod number;
mod text;

use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::lang::cond::{CondCx, FieldRef, Missing, Scope, Target, missing_of};
use crate::lang::env::Env;
use crate::value::{Node, Pos, Value};
use crate::vocabulary::Class;
use std::fmt::Debug;

/// The function names an expression map may have (besides `field`), for suggestions and the
/// schema.
pub const FUNCTIONS: &[&str] = &[
    "add",
    "sub",
    "mul",
    "div",
    "min",
    "max",
    "length",
    "count",
    "lower",
    "upper",
    "trim",
    "concat",
    "number",
    "lookup",
    "capture",
    "element",
    "today",
    "days-since",
    "days-between",
    "add-days",
    "sum",
    "let",
];

/// Keys that go with a function key: `of` (with `field`), `extract` (with `number` and
/// `capture`), `group` (with `capture`), `table` and `default` (with `lookup`), `over` (with
/// `count`, `sum`, `min` and `max`: an aggregate over a relation).
pub const MODIFIERS: &[&str] = &["of", "extract", "group", "table", "default", "over"];

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Value(Value),
    /// A value it needs is not set.
    Unknown,
    /// The values are set but do not make a value (why, for `kbcheck explain`).
    Invalid(String),
}

impl Out {
    /// The value shown by `kbcheck explain`.
    pub fn shown(&self) -> String {
        match self {
            Out::Value(v) => format!("`{}`", v.display()),
            Out::Unknown => "unknown".to_owned(),
            Out::Invalid(why) => format!("no value ({why})"),
        }
    }
}

/// The static type of an expression, as far as the rule's text and the vocabulary say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Number,
    Text,
    List,
    Bool,
    /// Not known until evaluation (a field whose vocabulary type varies or is not stated).
    Any,
}

impl Ty {
    pub fn word(self) -> &'static str {
        match self {
            Ty::Number => "a number",
            Ty::Text => "text",
            Ty::List => "a list",
            Ty::Bool => "a boolean",
            Ty::Any => "any value",
        }
    }

    fn of_value(v: &Value) -> Ty {
        match v {
            Value::Int(_) | Value::Float(_) => Ty::Number,
            Value::Str(_) => Ty::Text,
            Value::List(_) => Ty::List,
            Value::Bool(_) => Ty::Bool,
            Value::Null | Value::Map(_) => Ty::Any,
        }
    }

    /// The type a JSON Schema fragment declares (`Any` when it declares several or none).
    pub fn of_schema(schema: &serde_json::Value) -> Ty {
        match schema.get("type").and_then(|t| t.as_str()) {
            Some("integer" | "number") => Ty::Number,
            Some("string") => Ty::Text,
            Some("array") => Ty::List,
            Some("boolean") => Ty::Bool,
            _ => Ty::Any,
        }
    }
}

/// A function of an expression: one family per file.
pub trait Function: Debug + Send + Sync {
    fn eval(&self, env: &Env<'_>) -> Out;
    /// The expressions it reads, for the unset fields an unknown result names.
    fn args(&self) -> Vec<&Expr>;
    /// The function in plain words, e.g. `length(`name`)`.
    fn describe(&self) -> String;
    /// The unset values it reads on other entities than `env.current` (an aggregate's
    /// reached entities, the subject a `let` name is computed on), which [`Function::args`]
    /// leaves out.
    fn missing_elsewhere(&self, _env: &Env<'_>, _out: &mut Vec<Missing>) {}
}

/// A compiled expression.
#[derive(Debug)]
pub enum Expr {
    Literal(Value),
    Field(FieldRef),
    Call(Box<dyn Function>),
}

impl Expr {
    pub fn eval(&self, env: &Env<'_>) -> Out {
        match self {
            Expr::Literal(v) => Out::Value(v.clone()),
            Expr::Field(r) => match env.field(r) {
                Some(v) if !matches!(*v, Value::Null) => Out::Value(v.into_owned()),
                _ => Out::Unknown,
            },
            Expr::Call(f) => f.eval(env),
        }
    }

    /// The fields the expression reads that are not set on `env.current`.
    pub fn unset_fields<'e>(&'e self, env: &Env<'_>, out: &mut Vec<&'e FieldRef>) {
        match self {
            Expr::Literal(_) => {}
            Expr::Field(r) => {
                if env.field(r).is_none_or(|v| matches!(*v, Value::Null)) {
                    out.push(r);
                }
            }
            Expr::Call(f) => f.args().into_iter().for_each(|a| a.unset_fields(env, out)),
        }
    }

    /// The missing values that make the expression unknown on `env.current`: its unset
    /// fields, and those it reads on other entities.
    pub fn missing(&self, env: &Env<'_>, out: &mut Vec<Missing>) {
        let mut refs = Vec::new();
        self.unset_fields(env, &mut refs);
        missing_of(env, &refs, out);
        self.missing_elsewhere(env, out);
    }

    /// The unset values read on other entities than `env.current` (see
    /// [`Function::missing_elsewhere`]), at any depth.
    pub fn missing_elsewhere(&self, env: &Env<'_>, out: &mut Vec<Missing>) {
        if let Expr::Call(f) = self {
            f.missing_elsewhere(env, out);
            f.args()
                .into_iter()
                .for_each(|a| a.missing_elsewhere(env, out));
        }
    }

    /// Every field the expression reads, with its value on `env.current`, for `kbcheck
    /// explain`: ``the parent's `network` = `NET1` `` or `` `name` not set ``.
    pub fn inputs(&self, env: &Env<'_>, out: &mut Vec<String>) {
        match self {
            Expr::Literal(_) => {}
            Expr::Field(r) => {
                let line = match env.field(r) {
                    Some(v) if !matches!(*v, Value::Null) => {
                        format!("{} = `{}`", r.describe(), v.display())
                    }
                    _ => format!("{} not set", r.describe()),
                };
                if !out.contains(&line) {
                    out.push(line);
                }
            }
            Expr::Call(f) => f.args().into_iter().for_each(|a| a.inputs(env, out)),
        }
    }

    /// The expression, its inputs and its value on `env.current`, on one line.
    pub fn trace(&self, env: &Env<'_>) -> String {
        let mut inputs = Vec::new();
        self.inputs(env, &mut inputs);
        let value = self.eval(env).shown();
        if inputs.is_empty() || matches!(self, Expr::Field(_)) {
            format!("{} = {value}", self.describe())
        } else {
            format!("{} = {value} (from {})", self.describe(), inputs.join(", "))
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Expr::Literal(v) => format!("`{}`", v.display()),
            Expr::Field(r) => r.describe(),
            Expr::Call(f) => f.describe(),
        }
    }

    /// The field it reads, when it is a plain field read.
    pub fn as_field(&self) -> Option<&FieldRef> {
        match self {
            Expr::Field(r) => Some(r),
            _ => None,
        }
    }
}

/// Whether a YAML node is written as an expression function (a map with a function key).
pub fn is_function(node: &Node) -> bool {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .any(|(k, _)| FUNCTIONS.contains(&k.name.as_str())),
        _ => false,
    }
}

/// Compile an expression evaluated on entities of `scope`.
pub fn compile(cx: &CondCx<'_>, node: &Node, scope: &Scope, diags: &mut Diags) -> Option<Expr> {
    Cx { cond: cx, scope }.expr(node, diags).map(|(e, _)| e)
}

/// Compile an expression and say its static type.
pub fn compile_typed(
    cx: &CondCx<'_>,
    node: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<(Expr, Ty)> {
    Cx { cond: cx, scope }.expr(node, diags)
}

/// What compiling an expression needs: the condition context and the entity it is read on.
pub struct Cx<'a, 'c> {
    pub cond: &'a CondCx<'c>,
    pub scope: &'a Scope,
}

impl Cx<'_, '_> {
    fn error(&self, diags: &mut Diags, pos: Pos, code: &str, message: String, help: String) {
        diags.push(
            Diag::error(&format!("rule::{code}"), message)
                .at(self.cond.file, pos, "here")
                .help(help),
        );
    }

    /// Compile one expression node.
    pub fn expr(&self, node: &Node, diags: &mut Diags) -> Option<(Expr, Ty)> {
        let entries = match &node.value {
            Value::Map(entries) => entries,
            Value::List(_) => {
                self.error(
                    diags,
                    node.pos,
                    "bad_expression",
                    "a list is not a value here".into(),
                    "write one value, a field `{field: name}`, or a function such as `{concat: [...]}`".into(),
                );
                return None;
            }
            Value::Null => {
                self.error(
                    diags,
                    node.pos,
                    "bad_expression",
                    "`null` is not a value to compute with".into(),
                    "write a value, a field `{field: name}`, or test absence with `missing: true`"
                        .into(),
                );
                return None;
            }
            v => return Some((Expr::Literal(v.clone()), Ty::of_value(v))),
        };
        let keys: Vec<&str> = entries
            .iter()
            .map(|(k, _)| k.name.as_str())
            .filter(|k| *k == "field" || FUNCTIONS.contains(k))
            .collect();
        let [name] = keys.as_slice() else {
            let unknown = entries.iter().find(|(k, _)| {
                !FUNCTIONS.contains(&k.name.as_str())
                    && !MODIFIERS.contains(&k.name.as_str())
                    && k.name != "field"
            });
            let mut known: Vec<&str> = FUNCTIONS.to_vec();
            known.push("field");
            match unknown {
                Some((k, _)) if keys.is_empty() => diags.push(
                    Diag::error(
                        "rule::unknown_function",
                        format!("unknown function `{}`", k.name),
                    )
                    .at(self.cond.file, k.pos, "not a function kbcheck knows")
                    .help(suggestion_help(&k.name, &known, "functions")),
                ),
                _ => self.error(
                    diags,
                    node.pos,
                    "bad_expression",
                    if keys.is_empty() {
                        "an expression needs `field` or a function".to_owned()
                    } else {
                        format!("an expression has one function; this one has {}", keys.join(", "))
                    },
                    format!("nest them instead, e.g. `{{upper: {{trim: {{field: name}}}}}}`; functions: {}", FUNCTIONS.join(", ")),
                ),
            }
            return None;
        };
        let allowed: &[&str] = match *name {
            "field" => &["field", "of"],
            "number" => &["number", "extract"],
            "capture" => &["capture", "extract", "group"],
            "lookup" => &["lookup", "table", "default"],
            "count" => &["count", "over"],
            "sum" => &["sum", "over"],
            "min" => &["min", "over"],
            "max" => &["max", "over"],
            other => &[other],
        };
        if let Some((k, _)) = entries
            .iter()
            .find(|(k, _)| !allowed.contains(&k.name.as_str()))
        {
            diags.push(
                Diag::error(
                    "rule::unknown_key",
                    format!("unexpected key `{}` in a `{name}` expression", k.name),
                )
                .at(self.cond.file, k.pos, "does not belong here")
                .help(if k.name == "over" {
                    "`over` goes with `count`, `sum`, `min` or `max`: `{sum: drive-letters, over: {via: children, kind: external}}`".to_owned()
                } else if k.name == "extract" || k.name == "group" {
                    "`extract` goes with `number` or `capture`, `group` with `capture`: `{capture: {field: address}, extract: '^([^:]+):', group: 1}`".to_owned()
                } else {
                    format!("`{name}` takes {}", allowed.join(", "))
                }),
            );
            return None;
        }
        let arg = node.value.get(name)?;
        if *name == "field" {
            let r = self.cond.field_ref(node, self.scope, diags)?;
            let ty = self.field_type(&r);
            return Some((Expr::Field(r), ty));
        }
        if let Some(over) = node.value.get("over") {
            return aggregate::compile(self, name, arg, over, diags)
                .map(|(f, ty)| (Expr::Call(f), ty));
        }
        let (f, ty) = match *name {
            "sum" => {
                self.error(
                    diags,
                    node.pos,
                    "bad_expression",
                    "`sum` adds up a value over a relation and needs `over`".into(),
                    "write `{sum: drive-letters, over: {via: children, kind: external}}`; add the values of one entity with `{add: [...]}`".into(),
                );
                return None;
            }
            "let" => let_ref::compile(self, arg, diags)?,
            "add" | "sub" | "mul" | "div" | "min" | "max" => {
                arith::compile(self, name, arg, diags)?
            }
            "number" => number::compile(self, arg, node.value.get("extract"), diags)?,
            "lookup" => lookup::compile(self, node, arg, diags)?,
            "capture" => capture::compile(self, node, arg, diags)?,
            "element" => element::compile(self, arg, diags)?,
            n if date::NAMES.contains(&n) => date::compile(self, n, arg, diags)?,
            _ => text::compile(self, name, arg, diags)?,
        };
        Some((Expr::Call(f), ty))
    }

    /// The regex of an `extract` modifier, built once within `--max-regex-bytes`.
    fn extract_regex(&self, n: &Node, help: &str, diags: &mut Diags) -> Option<regex::Regex> {
        let Value::Str(pattern) = &n.value else {
            self.error(
                diags,
                n.pos,
                "bad_expression",
                format!(
                    "`extract` takes a regular expression string, found a {}",
                    n.value.type_name()
                ),
                help.to_owned(),
            );
            return None;
        };
        crate::lang::operators::build_regex(
            self.cond.file,
            diags,
            n,
            pattern,
            self.cond.max_regex_bytes,
        )
    }

    /// Compile an argument and check its type is one of `accepted` (when known at load).
    fn typed(
        &self,
        node: &Node,
        function: &str,
        accepted: &[Ty],
        diags: &mut Diags,
    ) -> Option<Expr> {
        let (e, ty) = self.expr(node, diags)?;
        if ty != Ty::Any && !accepted.contains(&ty) {
            let want: Vec<&str> = accepted.iter().map(|t| t.word()).collect();
            diags.push(
                Diag::error(
                    "rule::expression_type",
                    format!(
                        "`{function}` takes {}, but this is {}",
                        want.join(" or "),
                        ty.word()
                    ),
                )
                .at(self.cond.file, whole(self.cond.file, node), ty.word())
                .help(type_help(function, ty)),
            );
            return None;
        }
        Some(e)
    }

    /// A list of arguments, between `min` and `max` of them.
    fn list<'n>(
        &self,
        node: &'n Node,
        function: &str,
        min: usize,
        max: Option<usize>,
        diags: &mut Diags,
    ) -> Option<&'n [Node]> {
        let ok = |n: usize| n >= min && max.is_none_or(|m| n <= m);
        match &node.value {
            Value::List(items) if ok(items.len()) => Some(items),
            _ => {
                let count = match max {
                    Some(m) if m == min => format!("{min}"),
                    _ => format!("{min} or more"),
                };
                self.error(
                    diags,
                    whole(self.cond.file, node),
                    "bad_expression",
                    format!("`{function}` takes a list of {count} values"),
                    format!("write `{function}: [{{field: mailboxes}}, 2]`"),
                );
                None
            }
        }
    }

    /// The type the vocabulary gives a field, when every kind it may be read on agrees.
    pub fn field_type(&self, r: &FieldRef) -> Ty {
        let schemas = match self.field_schemas(r) {
            Ok(schemas) => schemas,
            Err(ty) => return ty,
        };
        let mut found: Option<Ty> = None;
        for schema in schemas {
            let Some(schema) = schema else {
                return Ty::Any;
            };
            let ty = Ty::of_schema(schema);
            match found {
                None => found = Some(ty),
                Some(t) if t == ty => {}
                Some(_) => return Ty::Any,
            }
        }
        found.unwrap_or(Ty::Any)
    }

    /// The schema of a field on each kind it may be read on that declares it (`None`: a
    /// kind declares the attribute but not this key of it); `Err` with the type of a
    /// reserved key (`id`, `tags`, ...).
    pub fn field_schemas(&self, r: &FieldRef) -> Result<Vec<Option<&'_ serde_json::Value>>, Ty> {
        let (class, kinds) = match r.target {
            Target::Itself => (self.scope.class, self.scope.kinds.clone()),
            Target::Subject => (self.cond.subject.class, self.cond.subject.kinds.clone()),
            Target::Parent | Target::From | Target::To | Target::Chain(_) => {
                (Class::Node, Vec::new())
            }
        };
        let Some((first, rest)) = r.path.split_first() else {
            return Err(Ty::Any);
        };
        if rest.is_empty() {
            match first.as_str() {
                "id" | "kind" | "parent" | "from" | "to" => return Err(Ty::Text),
                "tags" => return Err(Ty::List),
                _ => {}
            }
        }
        let vocab = self.cond.vocab;
        let kinds: Vec<String> = if kinds.is_empty() {
            vocab
                .kind_names(class)
                .into_iter()
                .map(str::to_owned)
                .collect()
        } else {
            kinds
        };
        let mut out = Vec::new();
        for k in &kinds {
            let Some(attr) = vocab.attribute(class, k, first) else {
                continue;
            };
            let mut schema = Some(&attr.schema);
            for seg in rest {
                schema = schema.and_then(|s| s.get("properties")?.get(seg.as_str()));
            }
            out.push(schema);
        }
        Ok(out)
    }
}

/// The whole text of a node: a flow map or list (`{field: name}`) up to its closing bracket,
/// where the tree keeps only where it starts, so a diagnostic underlines all of it.
pub fn whole(file: &crate::source::SourceFile, node: &Node) -> Pos {
    let text = file.text();
    let start = node.pos.offset as usize;
    let Some(rest) = text.get(start..) else {
        return node.pos;
    };
    if !rest.starts_with(['{', '[']) {
        return node.pos;
    }
    let (mut depth, mut quote) = (0usize, None::<char>);
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Pos {
                        len: u32::try_from(i + 1).unwrap_or(node.pos.len),
                        ..node.pos
                    };
                }
            }
            _ => {}
        }
    }
    node.pos
}

fn type_help(function: &str, found: Ty) -> String {
    match (function, found) {
        ("length", Ty::Number) => {
            "a number has no length; compare the number itself, or `{length: {concat: [...]}}` for its digits".into()
        }
        (_, Ty::Text) if arith::NAMES.contains(&function) => {
            "turn text into a number first: `{number: {field: ...}}`".into()
        }
        (_, Ty::Number) => format!("`{function}` works on text; write `{{concat: [...]}}` to turn a number into text"),
        _ => format!("give `{function}` a value of the type it takes"),
    }
}

/// Evaluate several arguments: their values, or the first no value, else unknown if any is.
fn eval_all(args: &[Expr], env: &Env<'_>) -> Result<Vec<Value>, Out> {
    let mut out = Vec::with_capacity(args.len());
    let mut unknown = false;
    for a in args {
        match a.eval(env) {
            Out::Value(v) => out.push(v),
            Out::Unknown => unknown = true,
            invalid @ Out::Invalid(_) => return Err(invalid),
        }
    }
    if unknown { Err(Out::Unknown) } else { Ok(out) }
}

/// Compile a list of expressions under `function`, each of an accepted type.
fn typed_list(
    cx: &Cx<'_, '_>,
    items: &[Node],
    function: &str,
    accepted: &[Ty],
    diags: &mut Diags,
) -> Option<Vec<Expr>> {
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match cx.typed(item, function, accepted, diags) {
            Some(e) => out.push(e),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `name(a, b, ...)` from the arguments' descriptions.
fn call_text(name: &str, args: &[Expr]) -> String {
    let parts: Vec<String> = args.iter().map(Expr::describe).collect();
    format!("{name}({})", parts.join(", "))
}

// End-to-end tests of every function: `src/engine/expr_tests.rs`.
