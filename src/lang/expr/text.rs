//! Text and list functions: `length` (characters of text, elements of a list), `count`
//! (elements of a list), `lower`, `upper`, `trim`, and `concat` (text and numbers joined).

use super::{Cx, Expr, Function, Out, Ty, call_text, eval_all, typed_list};
use crate::diagnostic::Diags;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug, Clone, Copy)]
enum Op {
    Length,
    Count,
    Lower,
    Upper,
    Trim,
}

#[derive(Debug)]
struct Unary {
    op: Op,
    name: &'static str,
    arg: Expr,
}

#[derive(Debug)]
struct Concat {
    args: Vec<Expr>,
}

pub fn compile(
    cx: &Cx<'_, '_>,
    name: &str,
    arg: &Node,
    diags: &mut Diags,
) -> Option<(Box<dyn Function>, Ty)> {
    let (op, name, accepted, ty): (Op, &'static str, &[Ty], Ty) = match name {
        "concat" => {
            let items = cx.list(arg, "concat", 1, None, diags)?;
            let args = typed_list(cx, items, "concat", &[Ty::Text, Ty::Number], diags)?;
            return Some((Box::new(Concat { args }), Ty::Text));
        }
        "length" => (Op::Length, "length", &[Ty::Text, Ty::List], Ty::Number),
        "count" => (Op::Count, "count", &[Ty::List], Ty::Number),
        "lower" => (Op::Lower, "lower", &[Ty::Text], Ty::Text),
        "upper" => (Op::Upper, "upper", &[Ty::Text], Ty::Text),
        _ => (Op::Trim, "trim", &[Ty::Text], Ty::Text),
    };
    let arg = cx.typed(arg, name, accepted, diags)?;
    Some((Box::new(Unary { op, name, arg }), ty))
}

impl Function for Unary {
    fn eval(&self, env: &Env<'_>) -> Out {
        let v = match self.arg.eval(env) {
            Out::Value(v) => v,
            other => return other,
        };
        let count = |n: usize| Out::Value(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)));
        match (self.op, &v) {
            (Op::Length, Value::Str(s)) => count(s.chars().count()),
            (Op::Length | Op::Count, Value::List(items)) => count(items.len()),
            (Op::Lower, Value::Str(s)) => Out::Value(Value::Str(s.to_lowercase())),
            (Op::Upper, Value::Str(s)) => Out::Value(Value::Str(s.to_uppercase())),
            (Op::Trim, Value::Str(s)) => Out::Value(Value::Str(s.trim().to_owned())),
            _ => Out::Invalid(format!(
                "`{}` takes {}, not `{}`",
                self.name,
                match self.op {
                    Op::Length => "text or a list",
                    Op::Count => "a list",
                    _ => "text",
                },
                v.display()
            )),
        }
    }

    fn args(&self) -> Vec<&Expr> {
        vec![&self.arg]
    }

    fn describe(&self) -> String {
        call_text(self.name, std::slice::from_ref(&self.arg))
    }
}

impl Function for Concat {
    fn eval(&self, env: &Env<'_>) -> Out {
        let values = match eval_all(&self.args, env) {
            Ok(v) => v,
            Err(out) => return out,
        };
        let mut s = String::new();
        for v in values {
            match v {
                Value::Str(t) => s.push_str(&t),
                n @ (Value::Int(_) | Value::Float(_)) => s.push_str(&n.display()),
                other => {
                    return Out::Invalid(format!(
                        "`concat` joins text and numbers, not `{}`",
                        other.display()
                    ));
                }
            }
        }
        Out::Value(Value::Str(s))
    }

    fn args(&self) -> Vec<&Expr> {
        self.args.iter().collect()
    }

    fn describe(&self) -> String {
        call_text("concat", &self.args)
    }
}
