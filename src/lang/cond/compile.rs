//! Compiling a condition from its YAML form, checking every name against the vocabulary.

use super::{Cond, FieldRef};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::lang::expr::{self, Expr};
use crate::lang::operators::{self, CompareAs, OpCx, Operator};
use crate::lang::quantifier;
use crate::lang::relation::Relation;
use crate::reader::string_list;
use crate::source::SourceFile;
use crate::value::{Node, Pos, Value};
use crate::vocabulary::{self, Class, Vocabulary};

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
    pub named: &'a crate::lang::named::Named,
    /// Inside a list quantifier: `{element: true}` reads the element tested.
    pub element: bool,
    /// The rule's `let:` names compiled so far, which `{let: NAME}` reads.
    pub lets: &'a crate::lang::expr::LetTable,
    /// Every name the rule's `let:` declares (compiled or not), so a use of one that did not
    /// compile is not also called unknown.
    pub let_names: &'a [String],
}

pub const SHAPES: &[&str] = &[
    "all", "any", "not", "field", "value", "tag", "kind", "related", "use",
];

impl<'a> CondCx<'a> {
    /// The same context, where `{element: true}` reads a list element (`element`) or not.
    pub fn with_element(&self, element: bool) -> CondCx<'a> {
        CondCx {
            subject: self.subject.clone(),
            element,
            ..*self
        }
    }

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
            let ops: Vec<&(crate::value::Key, Node)> = entries
                .iter()
                .filter(|(k, _)| !["of", "as"].contains(&k.name.as_str()))
                .collect();
            if shapes.is_empty()
                && let Some((message, help)) = self.expression_keys(&ops)
            {
                self.error(diags, node.pos, "bad_condition", message, help);
            } else if let Some((k, _)) = unknown {
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
                let kind_of = (shape == "kind" && k.name == "of")
                    .then(|| entries.iter().find(|(k, _)| k.name == "kind"))
                    .flatten();
                let help = if let (Some((_, kind)), Some((_, of))) = (kind_of, extra) {
                    let op = if matches!(kind.value, Value::List(_)) {
                        "in"
                    } else {
                        "equals"
                    };
                    format!(
                        "the kind of another entity is tested as a field: `{{field: kind, of: {}, {op}: {}}}`",
                        self.flow(of),
                        self.flow(kind)
                    )
                } else if operators::NAMES.contains(&k.name.as_str()) {
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
                if crate::lang::binding::binds(&c) {
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
                    crate::lang::known::check_tag(self.file, self.vocab, t, arg.pos, diags);
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
                self.check_value_type(node, entries, &field, scope, diags)?;
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

    /// An expression's keys written beside the operator, where `value:` belongs
    /// (`{capture: ..., extract: ..., equals: " "}`): the message, and the help with the
    /// condition rewritten.
    fn expression_keys(&self, ops: &[&(crate::value::Key, Node)]) -> Option<(String, String)> {
        let is_expr = |k: &str| expr::FUNCTIONS.contains(&k) || expr::MODIFIERS.contains(&k);
        let (inner, rest): (Vec<&(crate::value::Key, Node)>, Vec<_>) =
            ops.iter().copied().partition(|(k, _)| is_expr(&k.name));
        if inner.is_empty()
            || !inner
                .iter()
                .any(|(k, _)| expr::FUNCTIONS.contains(&k.name.as_str()))
        {
            return None;
        }
        let text = |(k, v): &(crate::value::Key, Node)| format!("{}: {}", k.name, self.flow(v));
        let inside: Vec<String> = inner.iter().map(|e| text(e)).collect();
        let beside: Vec<String> = rest.iter().map(|e| text(e)).collect();
        let names: Vec<&str> = inner.iter().map(|(k, _)| k.name.as_str()).collect();
        let mut rewritten = format!("{{value: {{{}}}", inside.join(", "));
        for b in &beside {
            rewritten.push_str(&format!(", {b}"));
        }
        rewritten.push('}');
        Some((
            format!(
                "an expression ({}) is written where an operator belongs",
                names.join(", ")
            ),
            format!("wrap the expression in `value:`: `{rewritten}`"),
        ))
    }

    /// A value as the rule wrote it, on one line: scalars in their source text, maps and
    /// lists in flow style.
    fn flow(&self, v: &Node) -> String {
        match &v.value {
            Value::Map(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.name, self.flow(v)))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            Value::List(items) => {
                let inner: Vec<String> = items.iter().map(|i| self.flow(i)).collect();
                format!("[{}]", inner.join(", "))
            }
            other => {
                let start = v.pos.offset as usize;
                self.file
                    .text()
                    .get(start..start + v.pos.len as usize)
                    .filter(|t| !t.is_empty() && !t.contains('\n'))
                    .map_or_else(|| other.display(), str::to_owned)
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
                        "`as` takes `value`, `version`, `caseless`, `date` or `time`".into(),
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
            } else if let Some((message, help)) = self.expression_keys(&ops) {
                self.error(diags, node.pos, "bad_condition", message, help);
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
        if let Some(n) = node.value.get("as")
            && how != CompareAs::Value
        {
            let modes = operators::modes(&key.name);
            if !modes.is_ok_and(|m| m.contains(&how)) {
                let word = n.value.display();
                let help = match modes {
                    Ok(m) => {
                        let words: Vec<String> =
                            m.iter().map(|h| format!("`as: {}`", h.word())).collect();
                        format!("`{}` takes {} or no `as`", key.name, words.join(" or "))
                    }
                    Err(_) if key.name == "matches" => format!(
                        "a pattern ignores letter case with `(?i)` at its start: `matches: {}`; remove `as`",
                        match &arg.value {
                            Value::Str(p) => format!("'(?i){}'", p.replace('\'', "''")),
                            _ => "'(?i)...'".to_owned(),
                        }
                    ),
                    Err(instead) => instead.to_owned(),
                };
                diags.push(
                    Diag::error(
                        "rule::bad_argument",
                        format!("`as: {word}` does not apply to `{}`", key.name),
                    )
                    .at(self.file, n.pos, "this compare mode")
                    .also_at(self.file, key.pos, "is not one this operator uses")
                    .help(help),
                );
                return None;
            }
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
            crate::lang::known::check_literals(self, field, &key.name, arg, how, scope, diags);
        }
        Some(op)
    }

    /// A date, time or window test (`as: date`, `as: time`, `overlaps`) on a field the
    /// vocabulary types otherwise (a number, another value type) is a load error. Text whose
    /// type the vocabulary leaves open is tested when the rule runs.
    fn check_value_type(
        &self,
        node: &Node,
        entries: &[(crate::value::Key, Node)],
        field: &FieldRef,
        scope: &Scope,
        diags: &mut Diags,
    ) -> Option<()> {
        let mode = node.value.get("as");
        let (want, words, at) = match entries.iter().find(|(k, _)| k.name == "overlaps") {
            Some((k, _)) => ("time-window", "`overlaps` compares time windows", k.pos),
            None => match mode
                .and_then(|n| Some((n.value.as_str().and_then(CompareAs::parse)?, n.pos)))
            {
                Some((CompareAs::Date, pos)) => ("date", "`as: date` compares dates", pos),
                Some((CompareAs::Time, pos)) => ("time", "`as: time` compares times of day", pos),
                _ => return Some(()),
            },
        };
        let cx = expr::Cx { cond: self, scope };
        // A reserved key (`id`, `tags`) is tested when the rule runs.
        let Ok(schemas) = cx.field_schemas(field) else {
            return Some(());
        };
        for schema in schemas.into_iter().flatten() {
            let items = schema.get("items");
            let declared =
                vocabulary::value_type(schema).or_else(|| items.and_then(vocabulary::value_type));
            let open = |s: &serde_json::Value| {
                matches!(expr::Ty::of_schema(s), expr::Ty::Text | expr::Ty::Any)
            };
            let (fits, as_what) = match declared {
                Some(d) => (d == want, format!("a {}", d.replace('-', " "))),
                None => (
                    open(schema)
                        || (expr::Ty::of_schema(schema) == expr::Ty::List
                            && items.is_none_or(open)),
                    expr::Ty::of_schema(schema).word().to_owned(),
                ),
            };
            if !fits {
                self.error(
                    diags,
                    at,
                    "wrong_value_type",
                    format!(
                        "{words}, but the vocabulary declares {} as {as_what}",
                        field.describe()
                    ),
                    format!(
                        "test a field of `type: {want}` (or text), or compare {} another way",
                        field.describe()
                    ),
                );
                return None;
            }
        }
        Some(())
    }
}
