//! `number`: a number read from text (`" 42 "`, `"3.5"`), optionally out of a regex capture
//! (`extract: ':([0-9]+)$'` takes the first group, or the whole match if the pattern has
//! none). Regexes are built once, linear-time and size-limited like `matches`. Text that is
//! not a number, or that the regex does not match, has no value.

use super::{Cx, Expr, Function, Out, Ty, call_text};
use crate::diagnostic::Diags;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct Number {
    arg: Expr,
    extract: Option<regex::Regex>,
}

pub fn compile(
    cx: &Cx<'_, '_>,
    arg: &Node,
    extract: Option<&Node>,
    diags: &mut Diags,
) -> Option<(Box<dyn Function>, Ty)> {
    let arg = cx.typed(arg, "number", &[Ty::Text, Ty::Number], diags);
    let extract = match extract {
        None => None,
        Some(n) => Some(cx.extract_regex(
            n,
            "write `extract: ':([0-9]+)$'`; the first group is the number",
            diags,
        )?),
    };
    Some((Box::new(Number { arg: arg?, extract }), Ty::Number))
}

/// Parse a number written as text: whole numbers stay whole.
pub fn parse(text: &str) -> Option<Value> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Int(i));
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Value::Float)
}

impl Function for Number {
    fn eval(&self, env: &Env<'_>) -> Out {
        let v = match self.arg.eval(env) {
            Out::Value(v) => v,
            other => return other,
        };
        let text = match &v {
            Value::Int(_) | Value::Float(_) if self.extract.is_none() => return Out::Value(v),
            Value::Str(s) => s.clone(),
            Value::Int(_) | Value::Float(_) => v.display(),
            other => {
                return Out::Invalid(format!("`number` reads text, not `{}`", other.display()));
            }
        };
        let part = match &self.extract {
            None => text.as_str(),
            Some(re) => match re.captures(&text) {
                Some(c) => match c.get(1).or_else(|| c.get(0)) {
                    Some(m) => m.as_str(),
                    None => "",
                },
                None => {
                    return Out::Invalid(format!("`{text}` does not match /{}/", re.as_str()));
                }
            },
        };
        match parse(part) {
            Some(n) => Out::Value(n),
            None => Out::Invalid(format!("`{part}` is not a number")),
        }
    }

    fn args(&self) -> Vec<&Expr> {
        vec![&self.arg]
    }

    fn describe(&self) -> String {
        let base = call_text("number", std::slice::from_ref(&self.arg));
        match &self.extract {
            None => base,
            Some(re) => format!(
                "{} extracting /{}/)",
                base.trim_end_matches(')'),
                re.as_str()
            ),
        }
    }
}
