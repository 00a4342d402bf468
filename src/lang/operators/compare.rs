//! `gt`, `gte`, `lt`, `lte`: ordered comparison with a value or another field
//! (numbers numerically; with `as: version`, dotted versions).

use super::{OpCx, Operand, Operator, known, order};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy)]
pub enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug)]
struct Compare {
    cmp: Cmp,
    operand: Operand,
    how: super::CompareAs,
}

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>, cmp: Cmp) -> Option<Box<dyn Operator>> {
    if cx.compare_as == super::CompareAs::Value
        && !matches!(arg.value, Value::Int(_) | Value::Float(_) | Value::Map(_))
    {
        cx.error(
            arg,
            "bad_argument",
            format!(
                "ordered comparison takes a number, found a {}",
                arg.value.type_name()
            ),
            "compare with a number, or add `as: version` (versions such as \"5.5\"), `as: date` (\"2000-12-31\") or `as: time` (\"07:30\")",
        );
        return None;
    }
    let operand = cx.operand(arg)?;
    Some(Box::new(Compare {
        cmp,
        operand,
        how: cx.compare_as,
    }))
}

impl Operator for Compare {
    fn test(&self, actual: Option<&Value>, env: &Env<'_>) -> Truth {
        let (Some(actual), Some(other)) = (known(actual), self.operand.resolve(env)) else {
            return Truth::Unknown;
        };
        // Values that do not compare (text against a number) are set, so definitely not in order.
        let Some(ord) = order(actual, &other, self.how) else {
            return Truth::False;
        };
        Truth::from(match self.cmp {
            Cmp::Gt => ord == Ordering::Greater,
            Cmp::Gte => ord != Ordering::Less,
            Cmp::Lt => ord == Ordering::Less,
            Cmp::Lte => ord != Ordering::Greater,
        })
    }

    fn operand_field(&self) -> Option<&crate::lang::cond::FieldRef> {
        self.operand.field()
    }

    fn operand_expr(&self) -> Option<&crate::lang::expr::Expr> {
        self.operand.expr()
    }

    fn describe(&self) -> String {
        let word = match self.cmp {
            Cmp::Gt => "is greater than",
            Cmp::Gte => "is at least",
            Cmp::Lt => "is less than",
            Cmp::Lte => "is at most",
        };
        format!("{word} {}{}", self.operand.describe(), self.how.note())
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::cond::Truth;
    use crate::lang::operators::testing::{compile_error, literal_op};
    use crate::value::Value;

    #[test]
    fn numeric_comparisons() {
        assert!(literal_op("gt", "2").holds(Some(&Value::Int(3))));
        assert!(!literal_op("gt", "3").holds(Some(&Value::Int(3))));
        assert!(literal_op("gte", "3").holds(Some(&Value::Float(3.0))));
        assert!(literal_op("lt", "3").holds(Some(&Value::Int(2))));
        assert!(!literal_op("lte", "3").holds(Some(&Value::Int(4))));
        assert!(!literal_op("lt", "3").holds(None));
        assert_eq!(literal_op("lt", "3").truth(None), Truth::Unknown);
        assert_eq!(
            literal_op("lt", "3").truth(Some(&Value::Str("x".into()))),
            Truth::False
        );
        assert!(!literal_op("lt", "3").holds(Some(&Value::Str("x".into()))));
    }

    #[test]
    fn text_argument_needs_as_version() {
        assert_eq!(
            compile_error("gt", "\"5.5\""),
            "kbcheck::rule::bad_argument"
        );
    }
}
