//! `starts-with`: the field's text begins with the operand's (a literal, another field or an
//! expression); `as: caseless` ignores letter case. Numbers are read as their text. Its
//! mirror `ends-with` shares the test below.

use super::{CompareAs, OpCx, Operand, Operator, known};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};

/// Which end of the text is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Start,
    End,
}

#[derive(Debug)]
pub struct Edge {
    end: End,
    operand: Operand,
    how: CompareAs,
}

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>) -> Option<Box<dyn Operator>> {
    compile_end(arg, cx, End::Start)
}

/// Compile `starts-with` or `ends-with`.
pub fn compile_end(arg: &Node, cx: &mut OpCx<'_, '_>, end: End) -> Option<Box<dyn Operator>> {
    let word = if end == End::Start {
        "starts-with"
    } else {
        "ends-with"
    };
    if matches!(arg.value, Value::List(_) | Value::Bool(_) | Value::Null) {
        cx.error(
            arg,
            "bad_argument",
            format!("`{word}` takes text, found a {}", arg.value.type_name()),
            "write `starts-with: '\\\\\\\\'`, `{field: id, of: parent}` or an expression",
        );
        return None;
    }
    let operand = cx.operand(arg)?;
    Some(Box::new(Edge {
        end,
        operand,
        how: cx.compare_as,
    }))
}

/// Text of a scalar (numbers as written); `None` for lists, maps and booleans.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(_) | Value::Float(_) => Some(v.display()),
        _ => None,
    }
}

impl Operator for Edge {
    fn test(&self, actual: Option<&Value>, env: &Env<'_>) -> Truth {
        let (Some(actual), Some(other)) = (known(actual), self.operand.resolve(env)) else {
            return Truth::Unknown;
        };
        let (Some(mut hay), Some(mut needle)) = (text(actual), text(&other)) else {
            return Truth::False;
        };
        if self.how == CompareAs::Caseless {
            hay = hay.to_lowercase();
            needle = needle.to_lowercase();
        }
        Truth::from(match self.end {
            End::Start => hay.starts_with(&needle),
            End::End => hay.ends_with(&needle),
        })
    }

    fn operand_field(&self) -> Option<&crate::lang::cond::FieldRef> {
        self.operand.field()
    }

    fn operand_expr(&self) -> Option<&crate::lang::expr::Expr> {
        self.operand.expr()
    }

    fn describe(&self) -> String {
        let word = match self.end {
            End::Start => "starts with",
            End::End => "ends with",
        };
        format!("{word} {}{}", self.operand.describe(), self.how.note())
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::cond::Truth;
    use crate::lang::operators::CompareAs;
    use crate::lang::operators::testing::{compile_error, field_op, literal_op, literal_op_as};
    use crate::value::Value;

    #[test]
    fn starts_with_a_literal_honours_caseless() {
        let op = literal_op("starts-with", "'\\\\EXCH'");
        assert!(op.holds(Some(&Value::Str("\\\\EXCH1\\MAILDAT$".into()))));
        assert!(!op.holds(Some(&Value::Str("\\\\exch1".into()))));
        assert_eq!(op.truth(None), Truth::Unknown);
        let caseless = literal_op_as("starts-with", "'\\\\EXCH'", CompareAs::Caseless);
        assert!(caseless.holds(Some(&Value::Str("\\\\exch1".into()))));
        assert!(literal_op("starts-with", "12").holds(Some(&Value::Int(123))));
        assert_eq!(
            literal_op("starts-with", "a").truth(Some(&Value::List(vec![]))),
            Truth::False
        );
    }

    #[test]
    fn starts_with_another_field_and_an_expression() {
        // P's network `N`, its server S's version `5.5`.
        assert!(field_op("starts-with", "network", "network", "self"));
        assert!(!field_op("starts-with", "network", "version", "parent"));
        let op = literal_op("starts-with", "{concat: ['\\', {field: id, of: parent}]}");
        assert!(op.holds(Some(&Value::Str("\\S\\MAILDATA".into()))));
        assert!(!op.holds(Some(&Value::Str("\\T\\MAILDATA".into()))));
    }

    #[test]
    fn bad_arguments_are_load_errors() {
        assert_eq!(
            compile_error("starts-with", "[a]"),
            "kbcheck::rule::bad_argument"
        );
    }
}
