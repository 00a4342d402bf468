//! `contains`: a list field has the value as an element, or a text field has it as a substring.
//! Elements compare as the condition's `as:` says; `as: caseless` also ignores case in text.

use super::{CompareAs, OpCx, Operand, Operator, known, loose_eq};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct Contains {
    operand: Operand,
    how: CompareAs,
}

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>) -> Option<Box<dyn Operator>> {
    let operand = cx.operand(arg)?;
    Some(Box::new(Contains {
        operand,
        how: cx.compare_as,
    }))
}

impl Operator for Contains {
    fn test(&self, actual: Option<&Value>, env: &Env<'_>) -> Truth {
        let (Some(actual), Some(needle)) = (known(actual), self.operand.resolve(env)) else {
            return Truth::Unknown;
        };
        Truth::from(match actual {
            Value::List(items) => items.iter().any(|i| loose_eq(&i.value, &needle, self.how)),
            Value::Str(s) if self.how == CompareAs::Caseless => s
                .to_lowercase()
                .contains(needle.display().to_lowercase().as_str()),
            Value::Str(s) => s.contains(needle.display().as_str()),
            _ => false,
        })
    }

    fn operand_field(&self) -> Option<&crate::lang::cond::FieldRef> {
        self.operand.field()
    }

    fn operand_expr(&self) -> Option<&crate::lang::expr::Expr> {
        self.operand.expr()
    }

    fn describe(&self) -> String {
        let how = self.how.note();
        format!("contains {}{how}", self.operand.describe())
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::operators::CompareAs;
    use crate::lang::operators::testing::{literal_op, literal_op_as};
    use crate::value::{Node, Pos, Value};

    #[test]
    fn contains_in_lists_and_text() {
        let op = literal_op("contains", "production");
        let list = Value::List(vec![Node {
            value: Value::Str("production".into()),
            pos: Pos::default(),
        }]);
        assert!(op.holds(Some(&list)));
        assert!(!op.holds(Some(&Value::List(vec![]))));
        assert!(op.holds(Some(&Value::Str("pre-production".into()))));
        assert!(!op.holds(None));
    }

    #[test]
    fn caseless_contains_ignores_case() {
        let op = literal_op_as("contains", "FPNW", CompareAs::Caseless);
        let list = Value::List(vec![Node {
            value: Value::Str("fpnw".into()),
            pos: Pos::default(),
        }]);
        assert!(op.holds(Some(&list)));
        assert!(op.holds(Some(&Value::Str("Site:fpnw".into()))));
        assert!(!literal_op("contains", "FPNW").holds(Some(&list)));
    }
}
