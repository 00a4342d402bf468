//! `{element: true}`: the list element a quantifier is testing (see `src/lang/quantifier.rs`),
//! so expressions can compute with it: `{value: {capture: {element: true}, extract: ...}}`.
//! Outside a quantifier there is no element: a load error.

use super::{Cx, Expr, Function, Out, Ty};
use crate::diagnostic::Diags;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct Element;

pub fn compile(cx: &Cx<'_, '_>, arg: &Node, diags: &mut Diags) -> Option<(Box<dyn Function>, Ty)> {
    if arg.value != Value::Bool(true) {
        cx.error(
            diags,
            arg.pos,
            "bad_expression",
            format!("`element` takes `true`, found `{}`", arg.value.display()),
            "write `{element: true}`".into(),
        );
        return None;
    }
    if !cx.cond.element {
        cx.error(
            diags,
            arg.pos,
            "element_outside_quantifier",
            "`element` is read only inside a list quantifier".into(),
            "test the elements of a list with `{field: address-spaces, any: {value: {element: true}, ...}}`".into(),
        );
        return None;
    }
    Some((Box::new(Element), Ty::Any))
}

impl Function for Element {
    fn eval(&self, env: &Env<'_>) -> Out {
        match env.element {
            Some(v) if !matches!(v, Value::Null) => Out::Value(v.clone()),
            _ => Out::Unknown,
        }
    }

    fn args(&self) -> Vec<&Expr> {
        Vec::new()
    }

    fn describe(&self) -> String {
        "the element".to_owned()
    }
}
