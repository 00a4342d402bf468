//! `in` and `not-in`: the field's value is (or is not) one of a list.

use super::{CompareAs, OpCx, Operator, known, loose_eq};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct InList {
    values: Vec<Value>,
    negate: bool,
    how: CompareAs,
}

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>, negate: bool) -> Option<Box<dyn Operator>> {
    let Value::List(items) = &arg.value else {
        cx.error(
            arg,
            "bad_argument",
            format!("`in` takes a list, found a {}", arg.value.type_name()),
            "write the allowed values as a list: `in: [a, b]`",
        );
        return None;
    };
    let mut ok = true;
    for n in items {
        ok &= cx.temporal_literal(n);
    }
    if !ok {
        return None;
    }
    let values = items.iter().map(|n| n.value.clone()).collect();
    Some(Box::new(InList {
        values,
        negate,
        how: cx.compare_as,
    }))
}

impl Operator for InList {
    fn test(&self, actual: Option<&Value>, _env: &Env<'_>) -> Truth {
        let Some(actual) = known(actual) else {
            return Truth::Unknown;
        };
        Truth::from(self.values.iter().any(|v| loose_eq(actual, v, self.how)) != self.negate)
    }

    fn describe(&self) -> String {
        let vals: Vec<String> = self
            .values
            .iter()
            .map(|v| format!("`{}`", v.display()))
            .collect();
        let word = if self.negate {
            "is none of"
        } else {
            "is one of"
        };
        let how = self.how.note();
        format!("{word} {}{how}", vals.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::operators::CompareAs;
    use crate::lang::operators::testing::{literal_op, literal_op_as};
    use crate::value::Value;

    #[test]
    fn in_and_not_in() {
        let op = literal_op(
            "in",
            "[backoffice-test-platform, backoffice-solution-provider]",
        );
        assert!(op.holds(Some(&Value::Str("backoffice-test-platform".into()))));
        assert!(!op.holds(Some(&Value::Str("retail".into()))));
        assert!(!op.holds(None));
        let op = literal_op("not-in", "[a, b]");
        assert!(op.holds(Some(&Value::Str("c".into()))));
        assert!(!op.holds(Some(&Value::Str("a".into()))));
        assert!(!op.holds(None));
    }

    #[test]
    fn caseless_in() {
        let op = literal_op_as("in", "[Windows-2000, windows-nt-4.0]", CompareAs::Caseless);
        assert!(op.holds(Some(&Value::Str("WINDOWS-2000".into()))));
        assert!(!op.holds(Some(&Value::Str("windows-nt-3.51".into()))));
    }
}
