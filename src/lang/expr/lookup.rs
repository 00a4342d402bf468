//! `lookup`: map one value to another through a table written in the rule —
//! `{lookup: {field: os}, table: {windows-nt-4.0: windows-nt, os2-2.1: os2}, default: other}`.
//! Keys compare with the value's text (`4.0` and `"4.0"` are one key). A value the table does
//! not list takes `default`; without one it is unknown (the rule's table does not say).

use super::{Cx, Expr, Function, Out, Ty};
use crate::diagnostic::Diags;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct Lookup {
    arg: Expr,
    /// Sorted by key, for binary search.
    table: Vec<(String, Value)>,
    default: Option<Value>,
}

pub fn compile(
    cx: &Cx<'_, '_>,
    whole: &Node,
    arg: &Node,
    diags: &mut Diags,
) -> Option<(Box<dyn Function>, Ty)> {
    let arg = cx.typed(arg, "lookup", &[Ty::Text, Ty::Number, Ty::Bool], diags);
    let Some(table_node) = whole.value.get("table") else {
        cx.error(
            diags,
            whole.pos,
            "bad_expression",
            "`lookup` needs a `table`".into(),
            "write `{lookup: {field: os}, table: {windows-nt-4.0: windows-nt}, default: other}`"
                .into(),
        );
        return None;
    };
    let scalar = |n: &Node, what: &str, diags: &mut Diags| -> Option<Value> {
        match &n.value {
            v @ (Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
                Some(v.clone())
            }
            other => {
                cx.error(
                    diags,
                    n.pos,
                    "bad_expression",
                    format!(
                        "a `lookup` {what} is a plain value, found a {}",
                        other.type_name()
                    ),
                    "write text, a number or true/false".into(),
                );
                None
            }
        }
    };
    let Value::Map(entries) = &table_node.value else {
        cx.error(
            diags,
            table_node.pos,
            "bad_expression",
            format!(
                "`table` is a map from value to value, found a {}",
                table_node.value.type_name()
            ),
            "write `table: {single-postoffice: 1, multiple-postoffice: 3}`".into(),
        );
        return None;
    };
    let mut table = Vec::with_capacity(entries.len());
    let mut ok = true;
    for (k, v) in entries {
        match scalar(v, "result", diags) {
            Some(v) => table.push((k.name.to_string(), v)),
            None => ok = false,
        }
    }
    let default = match whole.value.get("default") {
        Some(d) => Some(scalar(d, "default", diags)?),
        None => None,
    };
    if !ok {
        return None;
    }
    let mut tys = table
        .iter()
        .map(|(_, v)| v)
        .chain(&default)
        .map(Ty::of_value);
    let first = tys.next().unwrap_or(Ty::Any);
    let ty = if tys.all(|t| t == first) {
        first
    } else {
        Ty::Any
    };
    table.sort_by(|a, b| a.0.cmp(&b.0));
    Some((
        Box::new(Lookup {
            arg: arg?,
            table,
            default,
        }),
        ty,
    ))
}

impl Function for Lookup {
    fn eval(&self, env: &Env<'_>) -> Out {
        let v = match self.arg.eval(env) {
            Out::Value(v) => v,
            other => return other,
        };
        let key = v.display();
        match self.table.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => self
                .table
                .get(i)
                .map_or(Out::Unknown, |(_, v)| Out::Value(v.clone())),
            Err(_) => self.default.clone().map_or(Out::Unknown, Out::Value),
        }
    }

    fn args(&self) -> Vec<&Expr> {
        vec![&self.arg]
    }

    fn describe(&self) -> String {
        let default = self
            .default
            .as_ref()
            .map(|d| format!(", else `{}`", d.display()))
            .unwrap_or_default();
        format!(
            "lookup({} in a table of {}{default})",
            self.arg.describe(),
            self.table.len()
        )
    }
}
