//! `{let: NAME}`: the value a rule's `let:` names, computed on the selected entity, so a
//! condition, an operand, a group key or another `let` can use a value the message prints
//! without writing it twice. The names are compiled before the rule's conditions, in the
//! order their uses need (`src/lang/compile.rs`); an unknown name and a name that uses itself
//! (directly or through others) are load errors.

use super::{Cx, Expr, Function, Out, Ty};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::lang::cond::Missing;
use crate::lang::env::Env;
use crate::value::{Node, Pos, Value};
use std::sync::Arc;

/// A rule's `let:` names compiled so far: name, expression, static type.
pub type LetTable = Vec<(String, Arc<Expr>, Ty)>;

#[derive(Debug)]
struct LetRef {
    name: String,
    expr: Arc<Expr>,
}

pub fn compile(cx: &Cx<'_, '_>, arg: &Node, diags: &mut Diags) -> Option<(Box<dyn Function>, Ty)> {
    let Value::Str(name) = &arg.value else {
        cx.error(
            diags,
            arg.pos,
            "bad_expression",
            format!(
                "`let` takes a name from the rule's `let:`, found a {}",
                arg.value.type_name()
            ),
            "write `{let: total}`".into(),
        );
        return None;
    };
    let Some((_, expr, ty)) = cx.cond.lets.iter().find(|(n, _, _)| n == name) else {
        // A name the rule declares but that did not compile has its own error already.
        if !cx.cond.let_names.contains(name) {
            let names: Vec<&str> = cx.cond.let_names.iter().map(String::as_str).collect();
            diags.push(
                Diag::error("rule::unknown_let", format!("unknown `let` name `{name}`"))
                    .at(cx.cond.file, arg.pos, "not a name of this rule's `let:`")
                    .help(if names.is_empty() {
                        format!("declare it: `let: {{{name}: {{field: ...}}}}`")
                    } else {
                        suggestion_help(name, &names, "`let` names")
                    }),
            );
        }
        return None;
    };
    Some((
        Box::new(LetRef {
            name: name.clone(),
            expr: Arc::clone(expr),
        }),
        *ty,
    ))
}

/// The names a YAML node uses as `{let: NAME}`, at any depth, with where each is written.
pub fn let_refs<'n>(node: &'n Node, out: &mut Vec<(&'n str, Pos)>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                if k.name == "let"
                    && let Value::Str(name) = &v.value
                {
                    out.push((name.as_str(), v.pos));
                }
                let_refs(v, out);
            }
        }
        Value::List(items) => items.iter().for_each(|i| let_refs(i, out)),
        _ => {}
    }
}

impl LetRef {
    /// The environment the name is computed in: the rule's selected entity.
    fn at<'a>(env: &Env<'a>) -> Env<'a> {
        Env {
            element: None,
            ..env.at(env.subject)
        }
    }
}

impl Function for LetRef {
    fn eval(&self, env: &Env<'_>) -> Out {
        self.expr.eval(&LetRef::at(env))
    }

    fn args(&self) -> Vec<&Expr> {
        // Read on the selected entity, which need not be the one tested (inside `related`).
        Vec::new()
    }

    fn missing_elsewhere(&self, env: &Env<'_>, out: &mut Vec<Missing>) {
        self.expr.missing(&LetRef::at(env), out);
    }

    fn describe(&self) -> String {
        format!("`{}` ({})", self.name, self.expr.describe())
    }
}
