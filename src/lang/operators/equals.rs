//! `equals` and `not-equals`: the field has (or has not) the given value.

use super::{CompareAs, Lookup, OpCx, Operand, Operator, index_key, known, loose_eq};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct Equals {
    operand: Operand,
    negate: bool,
    how: CompareAs,
}

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>, negate: bool) -> Option<Box<dyn Operator>> {
    let operand = cx.operand(arg)?;
    Some(Box::new(Equals {
        operand,
        negate,
        how: cx.compare_as,
    }))
}

impl Operator for Equals {
    fn test(&self, actual: Option<&Value>, env: &Env<'_>) -> Truth {
        // A missing field neither equals nor differs from anything: it is unknown whether it
        // will. Use `missing` where absence itself is the point.
        let (Some(actual), Some(expected)) = (known(actual), self.operand.resolve(env)) else {
            return Truth::Unknown;
        };
        Truth::from(loose_eq(actual, &expected, self.how) != self.negate)
    }

    fn operand_field(&self) -> Option<&crate::lang::cond::FieldRef> {
        self.operand.field()
    }

    fn operand_expr(&self) -> Option<&crate::lang::expr::Expr> {
        self.operand.expr()
    }

    fn lookup(&self) -> Option<Lookup<'_>> {
        let caseless = self.how == CompareAs::Caseless;
        match (&self.operand, self.negate, self.how) {
            (Operand::Literal(v), false, CompareAs::Value | CompareAs::Caseless) => {
                index_key(v, caseless).map(|key| Lookup::Key { key, caseless })
            }
            _ => None,
        }
    }

    fn describe(&self) -> String {
        let word = if self.negate { "is not" } else { "is" };
        let how = self.how.note();
        format!("{word} {}{how}", self.operand.describe())
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::cond::Truth;
    use crate::lang::operators::CompareAs;
    use crate::lang::operators::testing::{field_op, literal_op, literal_op_as};
    use crate::value::Value;

    #[test]
    fn equals_matches_same_value_only() {
        let op = literal_op("equals", "\"0799-99992\"");
        assert!(op.holds(Some(&Value::Str("0799-99992".into()))));
        assert!(!op.holds(Some(&Value::Str("22-28798".into()))));
        assert!(!op.holds(None));
    }

    #[test]
    fn numbers_compare_by_value() {
        let op = literal_op("equals", "2");
        assert!(op.holds(Some(&Value::Float(2.0))));
        assert!(op.holds(Some(&Value::Str("2".into()))));
        assert!(!op.holds(Some(&Value::Int(1))));
    }

    #[test]
    fn not_equals_is_unknown_on_missing_field() {
        let op = literal_op("not-equals", "a");
        assert!(op.holds(Some(&Value::Str("b".into()))));
        assert!(!op.holds(Some(&Value::Str("a".into()))));
        assert_eq!(op.truth(None), Truth::Unknown);
        assert_eq!(op.truth(Some(&Value::Null)), Truth::Unknown);
        assert_eq!(literal_op("equals", "a").truth(None), Truth::Unknown);
    }

    #[test]
    fn compares_with_another_field() {
        assert!(field_op("equals", "version", "version", "parent"));
        assert!(!field_op("equals", "network", "version", "parent"));
        assert!(
            !field_op("equals", "serial", "serial", "parent"),
            "the server has no serial"
        );
    }

    #[test]
    fn caseless_ignores_letter_case_only() {
        let op = literal_op_as("equals", "CONTOSO", CompareAs::Caseless);
        assert!(op.holds(Some(&Value::Str("contoso".into()))));
        assert!(op.holds(Some(&Value::Str("Contoso".into()))));
        assert!(!op.holds(Some(&Value::Str("contoso2".into()))));
        assert!(!op.holds(None));
        assert!(!literal_op("equals", "CONTOSO").holds(Some(&Value::Str("contoso".into()))));
        let op = literal_op_as("not-equals", "HQ", CompareAs::Caseless);
        assert!(!op.holds(Some(&Value::Str("hq".into()))));
        assert!(op.holds(Some(&Value::Str("hq2".into()))));
        assert!(literal_op_as("equals", "2", CompareAs::Caseless).holds(Some(&Value::Int(2))));
    }
}
