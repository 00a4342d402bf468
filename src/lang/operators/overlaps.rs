//! `overlaps`: two daily time windows (`HH:MM-HH:MM`, possibly past midnight) share a
//! minute. Either side may be one window or a list of windows: the test holds when some
//! window of the field overlaps some window of the operand. A window runs from its start up
//! to, not including, its end, so `08:00-09:00` and `09:00-10:00` touch but do not overlap.

use super::{CompareAs, OpCx, Operand, Operator, known};
use crate::date::Window;
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct Overlaps {
    operand: Operand,
}

const HELP: &str = "write a window as `HH:MM-HH:MM` on a 24-hour clock (`18:00-08:00` runs past midnight, `00:00-24:00` is all day), or a list of them";

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>) -> Option<Box<dyn Operator>> {
    if cx.compare_as != CompareAs::Value {
        cx.error(
            arg,
            "bad_argument",
            "`overlaps` compares time windows; `as:` does not apply".into(),
            "remove `as:` from this condition",
        );
        return None;
    }
    let literals: Vec<&Node> = match &arg.value {
        Value::List(items) if items.is_empty() => {
            cx.diags.push(
                crate::diagnostic::Diag::error(
                    "rule::bad_time_window",
                    "`overlaps` takes at least one window",
                )
                .at(
                    cx.file,
                    crate::lang::expr::whole(cx.file, arg),
                    "an empty list",
                )
                .help(HELP.to_owned()),
            );
            return None;
        }
        Value::List(items) => items.iter().collect(),
        Value::Map(_) => Vec::new(),
        _ => vec![arg],
    };
    let mut ok = true;
    for lit in literals {
        let text = match &lit.value {
            Value::Str(s) => s.clone(),
            other => other.display(),
        };
        if let Err(why) = Window::parse(&text) {
            cx.error(lit, "bad_time_window", why, HELP);
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let operand = match &arg.value {
        Value::Map(_) => cx.operand(arg)?,
        v => Operand::Literal(v.clone()),
    };
    Some(Box::new(Overlaps { operand }))
}

/// The windows a value holds: one window, or a list of them. `None` when some part is not a
/// window (the test is then definitely false).
fn windows(v: &Value) -> Option<Vec<Window>> {
    match v {
        Value::Str(s) => Some(vec![Window::parse(s).ok()?]),
        Value::List(items) => items
            .iter()
            .map(|n| match &n.value {
                Value::Str(s) => Window::parse(s).ok(),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

impl Operator for Overlaps {
    fn test(&self, actual: Option<&Value>, env: &Env<'_>) -> Truth {
        let (Some(actual), Some(other)) = (known(actual), self.operand.resolve(env)) else {
            return Truth::Unknown;
        };
        let (Some(mine), Some(theirs)) = (windows(actual), windows(&other)) else {
            return Truth::False;
        };
        Truth::from(mine.iter().any(|a| theirs.iter().any(|b| a.overlaps(*b))))
    }

    fn operand_field(&self) -> Option<&crate::lang::cond::FieldRef> {
        self.operand.field()
    }

    fn operand_expr(&self) -> Option<&crate::lang::expr::Expr> {
        self.operand.expr()
    }

    fn describe(&self) -> String {
        format!("overlaps {}", self.operand.describe())
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::cond::Truth;
    use crate::lang::operators::testing::{compile_error, literal_op};
    use crate::value::{Node, Pos, Value};

    fn text(s: &str) -> Value {
        Value::Str(s.into())
    }

    fn list(items: &[&str]) -> Value {
        Value::List(
            items
                .iter()
                .map(|s| Node {
                    value: text(s),
                    pos: Pos::default(),
                })
                .collect(),
        )
    }

    #[test]
    fn windows_overlap_when_they_share_a_minute() {
        let op = literal_op("overlaps", "'07:00-07:30'");
        assert!(op.holds(Some(&text("18:00-08:00"))));
        assert!(!op.holds(Some(&text("07:30-08:00"))), "touching ends");
        assert!(!op.holds(Some(&text("06:00-07:00"))), "touching starts");
        assert!(op.holds(Some(&text("07:29-08:00"))));
        assert!(!op.holds(Some(&text("08:00-18:00"))));
        assert_eq!(op.truth(None), Truth::Unknown);
        assert_eq!(op.truth(Some(&text("7 to 8"))), Truth::False);
        assert_eq!(op.truth(Some(&Value::Int(7))), Truth::False);
    }

    #[test]
    fn lists_of_windows_on_either_side() {
        let op = literal_op("overlaps", "['01:00-02:00', '23:00-23:30']");
        assert!(op.holds(Some(&list(&["12:00-13:00", "22:00-23:01"]))));
        assert!(!op.holds(Some(&list(&["12:00-13:00", "22:00-23:00"]))));
        assert!(op.holds(Some(&text("23:50-01:10"))), "past midnight");
        assert!(!op.holds(Some(&list(&[]))));
        assert_eq!(op.truth(Some(&list(&["12:00-13:00", "x"]))), Truth::False);
    }

    #[test]
    fn malformed_windows_do_not_load() {
        for arg in [
            "'25:00-08:00'",
            "'08:00'",
            "'08:00-08:00'",
            "[]",
            "['08:00-09:00', 7]",
        ] {
            assert_eq!(
                compile_error("overlaps", arg),
                "kbcheck::rule::bad_time_window",
                "{arg}"
            );
        }
    }
}
