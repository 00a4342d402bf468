//! Calendar dates: `{today: true}` (the run's date, `YYYY-MM-DD`), `{days-since: d}` (days
//! from `d` to today), `{days-between: [a, b]}` (days from `a` to `b`) and
//! `{add-days: [d, n]}` (the date `n` days after `d`). Dates are written `YYYY-MM-DD`; a set
//! value that is not one has no value (the condition is false), an unset one is unknown, and
//! a literal that is not one is a load error. Today is `--today`, else `$KBCHECK_TODAY`, else
//! the system date, as for waivers; a rule test case fixes its own with `today:`.

use super::{Cx, Expr, Function, Out, Ty, call_text, eval_all};
use crate::date::Date;
use crate::diagnostic::Diags;
use crate::lang::env::Env;
use crate::value::{Node, Value};

pub const NAMES: &[&str] = &["today", "days-since", "days-between", "add-days"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Today,
    DaysSince,
    DaysBetween,
    AddDays,
}

#[derive(Debug)]
struct DateFn {
    op: Op,
    args: Vec<Expr>,
}

pub fn compile(
    cx: &Cx<'_, '_>,
    name: &str,
    arg: &Node,
    diags: &mut Diags,
) -> Option<(Box<dyn Function>, Ty)> {
    let (op, ty) = match name {
        "today" => (Op::Today, Ty::Text),
        "days-since" => (Op::DaysSince, Ty::Number),
        "days-between" => (Op::DaysBetween, Ty::Number),
        _ => (Op::AddDays, Ty::Text),
    };
    let args = match op {
        Op::Today => {
            if arg.value != Value::Bool(true) {
                cx.error(
                    diags,
                    arg.pos,
                    "bad_expression",
                    format!("`today` takes `true`, found `{}`", arg.value.display()),
                    "write `{today: true}`".into(),
                );
                return None;
            }
            Vec::new()
        }
        Op::DaysSince => vec![date_arg(cx, arg, name, diags)?],
        Op::DaysBetween | Op::AddDays => {
            let help = if op == Op::AddDays {
                "write `add-days: [{field: installed}, 90]` (the date, then the days)"
            } else {
                "write `days-between: [{field: installed}, {field: retired}]` (days from the first to the second)"
            };
            let items = match &arg.value {
                Value::List(items) if items.len() == 2 => items,
                _ => {
                    cx.error(
                        diags,
                        super::whole(cx.cond.file, arg),
                        "bad_expression",
                        format!("`{name}` takes a list of 2 values"),
                        help.into(),
                    );
                    return None;
                }
            };
            let (Some(first), Some(second)) = (items.first(), items.get(1)) else {
                return None;
            };
            let a = date_arg(cx, first, name, diags);
            let b = if op == Op::AddDays {
                cx.typed(second, name, &[Ty::Number], diags)
            } else {
                date_arg(cx, second, name, diags)
            };
            vec![a?, b?]
        }
    };
    Some((Box::new(DateFn { op, args }), ty))
}

/// A date argument: text (a literal is checked now), a field or an expression.
fn date_arg(cx: &Cx<'_, '_>, node: &Node, function: &str, diags: &mut Diags) -> Option<Expr> {
    let e = cx.typed(node, function, &[Ty::Text], diags)?;
    if let Expr::Literal(Value::Str(s)) = &e
        && let Err(why) = Date::parse(s)
    {
        cx.error(
            diags,
            node.pos,
            "bad_date",
            why,
            "write dates as `YYYY-MM-DD`, e.g. \"2000-12-31\", or read one with `{field: ...}`"
                .into(),
        );
        return None;
    }
    Some(e)
}

/// A value as a date, or why it is not one.
fn date_of(v: &Value) -> Result<Date, Out> {
    match v {
        Value::Str(s) => Date::parse(s).map_err(Out::Invalid),
        other => Err(Out::Invalid(format!("`{}` is not a date", other.display()))),
    }
}

impl Function for DateFn {
    fn eval(&self, env: &Env<'_>) -> Out {
        let vals = match eval_all(&self.args, env) {
            Ok(v) => v,
            Err(out) => return out,
        };
        let result = (|| -> Result<Value, Out> {
            let first = || vals.first().map_or(Err(Out::Unknown), date_of);
            Ok(match self.op {
                Op::Today => Value::Str(env.today().to_string()),
                Op::DaysSince => Value::Int(first()?.days_until(env.today())),
                Op::DaysBetween => {
                    let b = vals.get(1).map_or(Err(Out::Unknown), date_of)?;
                    Value::Int(first()?.days_until(b))
                }
                Op::AddDays => {
                    let n = match vals.get(1) {
                        Some(Value::Int(n)) => *n,
                        Some(Value::Float(f)) if f.fract() == 0.0 && f.abs() < 1e9 => *f as i64,
                        other => {
                            return Err(Out::Invalid(format!(
                                "`{}` is not a whole number of days",
                                other.map_or_else(String::new, Value::display)
                            )));
                        }
                    };
                    let d = first()?;
                    let later = d.add_days(n).ok_or_else(|| {
                        Out::Invalid(format!("{d} plus {n} days is past the years 0000 to 9999"))
                    })?;
                    Value::Str(later.to_string())
                }
            })
        })();
        result.map_or_else(|out| out, Out::Value)
    }

    fn args(&self) -> Vec<&Expr> {
        self.args.iter().collect()
    }

    fn describe(&self) -> String {
        match self.op {
            Op::Today => "today".to_owned(),
            Op::DaysSince => call_text("days-since", &self.args),
            Op::DaysBetween => call_text("days-between", &self.args),
            Op::AddDays => call_text("add-days", &self.args),
        }
    }
}
