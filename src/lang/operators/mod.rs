//! Field operators: one file per operator, one match arm in [`compile`].
//!
//! A condition `{field: serial, equals: "0799-99992"}` names a field and one operator.
//! The operator compiles its argument once (regexes, version ranges, value lists) and
//! then tests field values. Adding an operator means adding a file here and an arm below.

mod compare;
mod contains;
mod ends_with;
mod equals;
mod exists;
mod in_list;
mod matches;
mod overlaps;
mod starts_with;
mod version;

pub use matches::build_regex;

pub use version::{Version, VersionRange};

use crate::diagnostic::{Diag, Diags};
use crate::lang::cond::{FieldRef, Truth};
use crate::lang::env::Env;
use crate::lang::expr::Expr;
use crate::source::SourceFile;
use crate::value::{Node, Value};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Debug;

/// A compiled operator.
pub trait Operator: Debug + Send + Sync {
    /// Test a field's value (`None` when the entity does not have the field). Unknown when a
    /// value the test needs — the field, or a field operand — is not set (see [`known`]);
    /// only `exists` / `missing` are definite on an absent field.
    fn test(&self, actual: Option<&Value>, env: &Env<'_>) -> Truth;
    /// The field the operator compares with, when its operand is `{field, of}`.
    fn operand_field(&self) -> Option<&FieldRef> {
        None
    }
    /// The expression the operator compares with, when its operand is one.
    fn operand_expr(&self) -> Option<&Expr> {
        None
    }
    /// Whether the operator tests presence (`exists` / `missing`), so is never unknown.
    fn is_presence_test(&self) -> bool {
        false
    }
    /// The operator in plain words, for `kbcheck explain`.
    fn describe(&self) -> String;
    /// What the field's text must be for the test to hold, when an index of the field's
    /// values can answer it (a literal `equals`, a `matches`): the engine then tests only
    /// the entities the index gives. `None`: every entity is tested.
    fn lookup(&self) -> Option<Lookup<'_>> {
        None
    }
}

/// A test an index of a field's values answers; see [`Operator::lookup`].
#[derive(Debug)]
pub enum Lookup<'a> {
    /// The value's [`index_key`] (in its caseless form when `caseless`) is this text.
    Key { key: String, caseless: bool },
    /// The value's [`index_key`] matches this pattern.
    Pattern(&'a regex::Regex),
}

/// The text an index keeps a scalar under: values `equals` finds equal have the same key
/// (numbers by their shortest text, text as written or lowercased for `caseless`). `None`
/// for values it cannot key (lists, maps, `null`, negative zero): those are always tested.
pub fn index_key(v: &Value, caseless: bool) -> Option<String> {
    match v {
        Value::Str(s) if caseless => Some(s.to_lowercase()),
        Value::Float(f) if *f == 0.0 && f.is_sign_negative() => None,
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(v.display()),
        Value::Null | Value::List(_) | Value::Map(_) => None,
    }
}

/// Every operator name, for suggestions and the schema.
pub const NAMES: &[&str] = &[
    "equals",
    "not-equals",
    "in",
    "not-in",
    "matches",
    "exists",
    "missing",
    "contains",
    "starts-with",
    "ends-with",
    "gt",
    "gte",
    "lt",
    "lte",
    "version",
    "overlaps",
];

/// The operators `as: date` and `as: time` apply to.
pub const TEMPORAL_MODE: &[&str] = &[
    "equals",
    "not-equals",
    "in",
    "not-in",
    "contains",
    "gt",
    "gte",
    "lt",
    "lte",
];

/// How values are compared by `equals`, `gt` and friends (the condition's `as` key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareAs {
    /// Numbers numerically, text as text.
    Value,
    /// Dotted versions component by component (`4` = `4.0` < `4.10`).
    Version,
    /// Text ignoring letter case (`contoso` = `CONTOSO`), numbers numerically: for names
    /// the product treats case-insensitively, such as MS Mail network and postoffice names.
    Caseless,
    /// Calendar dates `YYYY-MM-DD`, by day.
    Date,
    /// Times of day `HH:MM`, by minute.
    Time,
}

impl CompareAs {
    /// The words a rule writes after `as:`.
    pub const NAMES: &'static [&'static str] = &["value", "version", "caseless", "date", "time"];

    /// What `kbcheck explain` adds after an operator compared this way.
    pub fn note(self) -> &'static str {
        match self {
            CompareAs::Value => "",
            CompareAs::Version => " (as versions)",
            CompareAs::Caseless => " (ignoring case)",
            CompareAs::Date => " (as dates)",
            CompareAs::Time => " (as times of day)",
        }
    }

    /// The word a rule writes after `as:`.
    pub fn word(self) -> &'static str {
        match self {
            CompareAs::Value => "value",
            CompareAs::Version => "version",
            CompareAs::Caseless => "caseless",
            CompareAs::Date => "date",
            CompareAs::Time => "time",
        }
    }

    pub fn parse(word: &str) -> Option<CompareAs> {
        match word {
            "value" => Some(CompareAs::Value),
            "version" => Some(CompareAs::Version),
            "caseless" => Some(CompareAs::Caseless),
            "date" => Some(CompareAs::Date),
            "time" => Some(CompareAs::Time),
            _ => None,
        }
    }
}

/// The compare modes (`as:`) an operator honours besides `value`, the default: `None` for
/// one that `as:` would not change, with how to say what the rule means instead.
pub fn modes(name: &str) -> Result<&'static [CompareAs], &'static str> {
    const ALL: &[CompareAs] = &[
        CompareAs::Version,
        CompareAs::Caseless,
        CompareAs::Date,
        CompareAs::Time,
    ];
    match name {
        n if TEMPORAL_MODE.contains(&n) => Ok(ALL),
        "starts-with" | "ends-with" => Ok(&[CompareAs::Caseless]),
        "overlaps" => Err("`overlaps` compares time windows; remove `as`"),
        "version" => Ok(&[CompareAs::Version]),
        "matches" => Err("a pattern ignores letter case with `(?i)` at its start; remove `as`"),
        "exists" | "missing" => {
            Err("`exists` and `missing` test only whether a value is set; remove `as`")
        }
        _ => Err("remove `as`"),
    }
}

/// A value that is set: `None` for an absent field and for a written `null`, which
/// `exists` also counts as not set.
pub fn known(actual: Option<&Value>) -> Option<&Value> {
    actual.filter(|v| !matches!(v, Value::Null))
}

/// What an operator needs while compiling its argument.
pub struct OpCx<'a, 'd> {
    pub file: &'a SourceFile,
    pub diags: &'d mut Diags,
    pub compare_as: CompareAs,
    /// The largest compiled size a `matches` regex may have (`--max-regex-bytes`).
    pub max_regex_bytes: usize,
    /// Compiles `{field: ..., of: ...}` operands (checks the field exists).
    pub operand_ref: &'a dyn Fn(&Node, &mut Diags) -> Option<FieldRef>,
    /// Compiles expression operands (`{length: {field: name}}`).
    pub operand_expr: &'a dyn Fn(&Node, &mut Diags) -> Option<Expr>,
}

impl OpCx<'_, '_> {
    pub fn error(&mut self, node: &Node, code: &str, message: String, help: &str) {
        self.diags.push(
            Diag::error(&format!("rule::{code}"), message)
                .at(self.file, node.pos, "here")
                .help(help.to_owned()),
        );
    }

    /// Whether a literal fits the compare mode `as: date` / `as: time` (any literal fits the
    /// others); a load error with `rule::bad_date` / `rule::bad_time` when it does not.
    pub fn temporal_literal(&mut self, node: &Node) -> bool {
        let Err(why) = temporal(&node.value, self.compare_as) else {
            return true;
        };
        let (code, help) = match self.compare_as {
            CompareAs::Date => (
                "bad_date",
                "write dates as `YYYY-MM-DD`, e.g. \"2000-12-31\"",
            ),
            _ => (
                "bad_time",
                "write times of day as `HH:MM` on a 24-hour clock, quoted: \"07:30\"",
            ),
        };
        self.error(node, code, why, help);
        false
    }

    /// Compile an operand: a literal value, `{field: ..., of: ...}` naming another field, or
    /// an expression.
    pub fn operand(&mut self, node: &Node) -> Option<Operand> {
        if crate::lang::expr::is_function(node) {
            return (self.operand_expr)(node, self.diags).map(Operand::Expr);
        }
        if let Value::Map(entries) = &node.value {
            if node.value.get("field").is_some() {
                // Only `field` and `of` belong in an operand; anything else (a misplaced
                // `as: version`) would otherwise be silently ignored.
                if let Some((k, _)) = entries
                    .iter()
                    .find(|(k, _)| k.name != "field" && k.name != "of")
                {
                    self.diags.push(
                        Diag::error("rule::unknown_key", format!("unexpected key `{}` in an operand", k.name))
                            .at(self.file, k.pos, "an operand takes `field` and `of` only")
                            .help("put `as:` on the condition itself: `{field: version, as: version, lt: {field: version, of: parent}}`"),
                    );
                    return None;
                }
                return (self.operand_ref)(node, self.diags).map(Operand::Field);
            }
            self.error(
                node,
                "bad_operand",
                "an operand must be a value, `{field: ..., of: ...}` or an expression".to_owned(),
                "compare with a plain value, name another field with `{field: version, of: parent}`, or compute one such as `{length: {field: name}}`",
            );
            return None;
        }
        if self.compare_as == CompareAs::Version && Version::from_value(&node.value).is_none() {
            self.error(
                node,
                "bad_version",
                format!("`{}` is not a version", node.value.display()),
                "write versions as dotted numbers, e.g. \"5.5\" or \"4.0\"",
            );
            return None;
        }
        if !self.temporal_literal(node) {
            return None;
        }
        Some(Operand::Literal(node.value.clone()))
    }
}

/// An operator's argument: a literal, or another field read at evaluation.
#[derive(Debug)]
pub enum Operand {
    Literal(Value),
    Field(FieldRef),
    Expr(Expr),
}

impl Operand {
    /// The operand's value; `None` when it names a field that is not set (or is `null`).
    pub fn resolve<'e>(&'e self, env: &'e Env<'_>) -> Option<Cow<'e, Value>> {
        match self {
            Operand::Literal(v) => Some(Cow::Borrowed(v)),
            Operand::Field(r) => env.field(r).filter(|v| !matches!(**v, Value::Null)),
            // No value (text where a number is needed) is caught by the condition first.
            Operand::Expr(e) => match e.eval(env) {
                crate::lang::expr::Out::Value(v) => Some(Cow::Owned(v)),
                _ => None,
            },
        }
    }

    /// The expression the operand computes, if it is one.
    pub fn expr(&self) -> Option<&Expr> {
        match self {
            Operand::Expr(e) => Some(e),
            _ => None,
        }
    }

    /// The field the operand reads, if it reads one.
    pub fn field(&self) -> Option<&FieldRef> {
        match self {
            Operand::Field(r) => Some(r),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Operand::Literal(v) => format!("`{}`", v.display()),
            Operand::Field(r) => r.describe(),
            Operand::Expr(e) => e.describe(),
        }
    }
}

/// Compile operator `name` with its argument.
pub fn compile(name: &str, arg: &Node, cx: &mut OpCx<'_, '_>) -> Option<Box<dyn Operator>> {
    match name {
        "equals" => equals::compile(arg, cx, false),
        "not-equals" => equals::compile(arg, cx, true),
        "in" => in_list::compile(arg, cx, false),
        "not-in" => in_list::compile(arg, cx, true),
        "matches" => matches::compile(arg, cx),
        "exists" => exists::compile(arg, cx, false),
        "missing" => exists::compile(arg, cx, true),
        "contains" => contains::compile(arg, cx),
        "starts-with" => starts_with::compile(arg, cx),
        "ends-with" => ends_with::compile(arg, cx),
        "gt" => compare::compile(arg, cx, compare::Cmp::Gt),
        "gte" => compare::compile(arg, cx, compare::Cmp::Gte),
        "lt" => compare::compile(arg, cx, compare::Cmp::Lt),
        "lte" => compare::compile(arg, cx, compare::Cmp::Lte),
        "version" => version::compile(arg, cx),
        "overlaps" => overlaps::compile(arg, cx),
        _ => None,
    }
}

/// Whether a value is a date (a time of day) where the compare mode says it must be one:
/// `Err` says why not. Other modes take any value.
pub fn temporal(v: &Value, how: CompareAs) -> Result<(), String> {
    let text = match v {
        Value::Str(s) => s.as_str(),
        other => &other.display(),
    };
    match how {
        CompareAs::Date => crate::date::Date::parse(text).map(|_| ()),
        CompareAs::Time => crate::date::Time::parse(text).map(|_| ()),
        _ => Ok(()),
    }
}

/// Order two values: numbers numerically, strings as text (or both as versions, dates or
/// times of day; a value that is not one does not order).
pub fn order(a: &Value, b: &Value, how: CompareAs) -> Option<Ordering> {
    let text = |v: &Value| match v {
        Value::Str(s) => Some(s.clone()),
        _ => None,
    };
    match how {
        CompareAs::Version => {
            return Some(Version::from_value(a)?.cmp(&Version::from_value(b)?));
        }
        CompareAs::Date => {
            let d = |v: &Value| crate::date::Date::parse(&text(v)?).ok();
            return Some(d(a)?.cmp(&d(b)?));
        }
        CompareAs::Time => {
            let t = |v: &Value| crate::date::Time::parse(&text(v)?).ok();
            return Some(t(a)?.cmp(&t(b)?));
        }
        CompareAs::Value | CompareAs::Caseless => {}
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) if how == CompareAs::Caseless => {
            Some(x.to_lowercase().cmp(&y.to_lowercase()))
        }
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Equality as a rule author expects it: `2` = `2.0`, and a number equals its text.
pub fn loose_eq(a: &Value, b: &Value, how: CompareAs) -> bool {
    if matches!(how, CompareAs::Version | CompareAs::Date | CompareAs::Time) {
        return order(a, b, how) == Some(Ordering::Equal);
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) if how == CompareAs::Caseless => {
            x.to_lowercase() == y.to_lowercase()
        }
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            a.as_f64() == b.as_f64()
        }
        (Value::Str(s), Value::Int(_) | Value::Float(_))
        | (Value::Int(_) | Value::Float(_), Value::Str(s)) => {
            let n = if let Value::Str(_) = a { b } else { a };
            *s == n.display()
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| loose_eq(&p.value, &q.value, how))
        }
        _ => a == b,
    }
}

#[cfg(test)]
pub mod testing {
    //! Helpers for operator unit tests: compile an operator from YAML text and test values.
    use super::*;
    use crate::lang::cond::{CondCx, Scope};
    use crate::lang::env::DerivedStore;
    use crate::topology::Topology;
    use crate::vocabulary::{Class, Vocabulary};
    use std::cell::RefCell;

    pub fn vocab() -> Vocabulary {
        vocab_with(&[])
    }

    /// The bundled vocabulary, then each of `packs` (YAML text) merged in, as rule packs'.
    pub fn vocab_with(packs: &[&str]) -> Vocabulary {
        let text = include_str!("../../../schemas/vocabulary/mail.yaml");
        let mut v = Vocabulary::default();
        for (k, text) in std::iter::once(text)
            .chain(packs.iter().copied())
            .enumerate()
        {
            let file = SourceFile::new(format!("vocabulary-{k}.yaml"), text.to_owned());
            let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
            let mut d = Diags::default();
            v.add_file(&file, &tree, &mut d);
            assert!(!d.has_errors(), "{d:?}");
        }
        v
    }

    fn topo(v: &Vocabulary) -> Topology {
        let text = "version: 1\nnodes:\n  - {id: S, kind: server, product: exchange, version: '5.5'}\n  - {id: P, kind: postoffice, parent: S, serial: '22-28798', network: N, version: '5.5'}\n";
        let file = SourceFile::new("t.yaml", text.to_owned());
        let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
        let (t, d) = Topology::load(&file, tree, v);
        assert!(!d.has_errors(), "{d:?}");
        t.unwrap()
    }

    pub struct Compiled {
        op: Box<dyn Operator>,
        v: Vocabulary,
    }

    impl Compiled {
        /// Whether the test is definitely true.
        pub fn holds(&self, actual: Option<&Value>) -> bool {
            self.truth(actual) == Truth::True
        }

        pub fn truth(&self, actual: Option<&Value>) -> Truth {
            let t = topo(&self.v);
            let store = DerivedStore::default();
            let uses = RefCell::new(Vec::new());
            let env = Env::new(&t, &store, 1, &uses);
            self.op.test(actual, &env)
        }
    }

    fn compile_with(
        name: &str,
        arg: &str,
        how: CompareAs,
    ) -> (Option<Box<dyn Operator>>, Diags, Vocabulary) {
        let v = vocab();
        let file = SourceFile::new("rule.yaml", arg.to_owned());
        let node = crate::parse::parse_document(&file, &Default::default()).unwrap();
        let mut diags = Diags::default();
        let op = {
            let cx = CondCx {
                file: &file,
                vocab: &v,
                subject: Scope {
                    class: Class::Node,
                    kinds: vec!["postoffice".into()],
                },
                max_regex_bytes: 1 << 20,
                named: &Default::default(),
                element: false,
                lets: &Vec::new(),
                let_names: &[],
            };
            let scope = cx.subject.clone();
            let operand_ref = |n: &Node, d: &mut Diags| cx.field_ref(n, &scope, d);
            let operand_expr =
                |n: &Node, d: &mut Diags| crate::lang::expr::compile(&cx, n, &scope, d);
            let mut ocx = OpCx {
                file: &file,
                diags: &mut diags,
                compare_as: how,
                max_regex_bytes: 1 << 20,
                operand_ref: &operand_ref,
                operand_expr: &operand_expr,
            };
            compile(name, &node, &mut ocx)
        };
        (op, diags, v)
    }

    pub fn literal_op(name: &str, arg: &str) -> Compiled {
        literal_op_as(name, arg, CompareAs::Value)
    }

    /// Like [`literal_op`], with the condition's `as:` compare mode.
    pub fn literal_op_as(name: &str, arg: &str, how: CompareAs) -> Compiled {
        let (op, diags, v) = compile_with(name, arg, how);
        assert!(!diags.has_errors(), "{diags:?}");
        Compiled { op: op.unwrap(), v }
    }

    /// The diagnostic code compiling `name: arg` gives.
    pub fn compile_error(name: &str, arg: &str) -> String {
        let (op, diags, _) = compile_with(name, arg, CompareAs::Value);
        assert!(op.is_none());
        diags.0.first().map(|d| d.code.clone()).unwrap_or_default()
    }

    /// Test `{field: field, <name>: {field: other, of: of}}` on the postoffice P (parent S).
    pub fn field_op(name: &str, field: &str, other: &str, of: &str) -> bool {
        let arg = format!("{{field: {other}, of: {of}}}");
        let (op, diags, v) = compile_with(name, &arg, CompareAs::Value);
        assert!(!diags.has_errors(), "{diags:?}");
        let t = topo(&v);
        let store = DerivedStore::default();
        let uses = RefCell::new(Vec::new());
        let env = Env::new(&t, &store, 1, &uses);
        let actual = t.get(1, &[field.to_owned()]);
        op.unwrap().test(actual.as_deref(), &env) == Truth::True
    }
}

#[cfg(test)]
mod tests {
    use super::{CompareAs, loose_eq, order};
    use crate::value::Value;
    use std::cmp::Ordering;

    #[test]
    fn compare_modes_parse_and_caseless_orders_text_ignoring_case() {
        assert_eq!(CompareAs::parse("caseless"), Some(CompareAs::Caseless));
        assert_eq!(CompareAs::parse("Caseless"), None);
        let (a, b) = (Value::Str("contoso".into()), Value::Str("CONTOSO".into()));
        assert!(loose_eq(&a, &b, CompareAs::Caseless));
        assert!(!loose_eq(&a, &b, CompareAs::Value));
        assert_eq!(order(&a, &b, CompareAs::Caseless), Some(Ordering::Equal));
        assert_eq!(
            order(
                &Value::Str("a".into()),
                &Value::Str("B".into()),
                CompareAs::Caseless
            ),
            Some(Ordering::Less)
        );
        assert!(loose_eq(
            &Value::Int(2),
            &Value::Str("2".into()),
            CompareAs::Caseless
        ));
    }
}
