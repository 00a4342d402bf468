//! `ends-with`: the field's text ends with the operand's (a literal, another field or an
//! expression); `as: caseless` ignores letter case. The test is `starts-with`'s, mirrored.

use super::starts_with::{End, compile_end};
use super::{OpCx, Operator};
use crate::value::Node;

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>) -> Option<Box<dyn Operator>> {
    compile_end(arg, cx, End::End)
}

#[cfg(test)]
mod tests {
    use crate::lang::cond::Truth;
    use crate::lang::operators::CompareAs;
    use crate::lang::operators::testing::{literal_op, literal_op_as};
    use crate::value::Value;

    #[test]
    fn ends_with_text_and_caseless() {
        let op = literal_op("ends-with", "'.contoso.com'");
        assert!(op.holds(Some(&Value::Str("relay.contoso.com".into()))));
        assert!(!op.holds(Some(&Value::Str("relay.CONTOSO.com".into()))));
        assert_eq!(op.truth(None), Truth::Unknown);
        let caseless = literal_op_as("ends-with", "'.contoso.com'", CompareAs::Caseless);
        assert!(caseless.holds(Some(&Value::Str("relay.CONTOSO.com".into()))));
        let computed = literal_op("ends-with", "{lower: {field: network}}");
        assert!(computed.holds(Some(&Value::Str("HQn".into()))));
        assert!(!computed.holds(Some(&Value::Str("HQN".into()))));
    }
}
