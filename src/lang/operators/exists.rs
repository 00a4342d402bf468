//! `exists` and `missing`: whether the entity has the field at all.

use super::{OpCx, Operator, known};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct Exists {
    want_present: bool,
}

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>, missing: bool) -> Option<Box<dyn Operator>> {
    let Value::Bool(b) = arg.value else {
        cx.error(
            arg,
            "bad_argument",
            format!(
                "`{}` takes `true` or `false`",
                if missing { "missing" } else { "exists" }
            ),
            "write `exists: true` or `missing: true`",
        );
        return None;
    };
    Some(Box::new(Exists {
        want_present: b != missing,
    }))
}

impl Operator for Exists {
    /// Always definite: whether a field is set is known even when its value is not.
    fn test(&self, actual: Option<&Value>, _env: &Env<'_>) -> Truth {
        Truth::from(known(actual).is_some() == self.want_present)
    }

    fn is_presence_test(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        if self.want_present {
            "is set".to_owned()
        } else {
            "is not set".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::cond::Truth;
    use crate::lang::operators::testing::literal_op;
    use crate::value::Value;

    #[test]
    fn exists_and_missing() {
        let op = literal_op("exists", "true");
        assert!(op.holds(Some(&Value::Str("x".into()))));
        assert!(!op.holds(None));
        assert!(!op.holds(Some(&Value::Null)));
        let op = literal_op("missing", "true");
        assert!(op.holds(None));
        assert!(!op.holds(Some(&Value::Int(1))));
        assert_eq!(op.truth(Some(&Value::Int(1))), Truth::False);
    }
}
