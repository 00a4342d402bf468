//! `add`, `sub`, `mul`, `div`, `min`, `max`: arithmetic over numbers. Whole numbers stay
//! whole (`div` too, when it divides exactly); division by zero has no value, and a literal
//! zero divisor is a load error.

use super::{Cx, Expr, Function, Out, Ty, call_text, eval_all, typed_list};
use crate::diagnostic::Diags;
use crate::lang::env::Env;
use crate::value::{Node, Value};

pub const NAMES: &[&str] = &["add", "sub", "mul", "div", "min", "max"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
}

#[derive(Debug)]
struct Arith {
    op: Op,
    name: &'static str,
    args: Vec<Expr>,
}

pub fn compile(
    cx: &Cx<'_, '_>,
    name: &str,
    arg: &Node,
    diags: &mut Diags,
) -> Option<(Box<dyn Function>, Ty)> {
    let (op, name, max) = match name {
        "add" => (Op::Add, "add", None),
        "sub" => (Op::Sub, "sub", Some(2)),
        "mul" => (Op::Mul, "mul", None),
        "div" => (Op::Div, "div", Some(2)),
        "min" => (Op::Min, "min", None),
        _ => (Op::Max, "max", None),
    };
    let items = cx.list(arg, name, 2, max, diags)?;
    let args = typed_list(cx, items, name, &[Ty::Number], diags)?;
    if op == Op::Div
        && let (Some(Expr::Literal(v)), Some(node)) = (args.get(1), items.get(1))
        && v.as_f64() == Some(0.0)
    {
        cx.error(
            diags,
            node.pos,
            "expression_type",
            "division by zero".into(),
            "divide by a number other than 0".into(),
        );
        return None;
    }
    Some((Box::new(Arith { op, name, args }), Ty::Number))
}

/// A number as a whole number when it is one.
pub(super) fn whole(x: f64) -> Value {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "checked to be whole and in range"
    )]
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::Int(x as i64)
    } else {
        Value::Float(x)
    }
}

impl Function for Arith {
    fn eval(&self, env: &Env<'_>) -> Out {
        let values = match eval_all(&self.args, env) {
            Ok(v) => v,
            Err(out) => return out,
        };
        let mut nums = Vec::with_capacity(values.len());
        for v in &values {
            match v.as_f64() {
                Some(n) => nums.push(n),
                None => return Out::Invalid(format!("`{}` is not a number", v.display())),
            }
        }
        let all_int = values.iter().all(|v| matches!(v, Value::Int(_)));
        let Some((&first, rest)) = nums.split_first() else {
            return Out::Unknown;
        };
        let mut acc = first;
        for &n in rest {
            acc = match self.op {
                Op::Add => acc + n,
                Op::Sub => acc - n,
                Op::Mul => acc * n,
                Op::Div if n == 0.0 => return Out::Invalid("division by zero".into()),
                Op::Div => acc / n,
                Op::Min => acc.min(n),
                Op::Max => acc.max(n),
            };
        }
        if !acc.is_finite() {
            return Out::Invalid("the result is too large".into());
        }
        Out::Value(if all_int {
            whole(acc)
        } else {
            Value::Float(acc)
        })
    }

    fn args(&self) -> Vec<&Expr> {
        self.args.iter().collect()
    }

    fn describe(&self) -> String {
        call_text(self.name, &self.args)
    }
}
