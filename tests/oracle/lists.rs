//! List quantifiers (docs/rules.md, "List elements"), spelled out again: the bare operators
//! an element condition applies to the element itself, and how many elements must pass.

use crate::logic::{T, and, not, or};
use crate::model::quoted;
use crate::relations::Quant;
use std::collections::BTreeSet;

/// A bare operator in an element condition: it tests the element itself.
#[derive(Clone, Debug)]
pub enum ElemOp {
    Equals(&'static str),
    /// `{as: caseless, equals: X}`.
    Caseless(&'static str),
    StartsWith(&'static str),
    In(Vec<&'static str>),
    Matches(Pattern),
}

/// The regular expressions generated, each decided here by hand (no regex engine).
#[derive(Clone, Copy, Debug)]
pub enum Pattern {
    /// `^p`
    StartsWithP,
    /// `[0-9]`
    HasDigit,
    /// `^[a-z]+$`
    Lowercase,
}

impl ElemOp {
    pub fn yaml(&self) -> String {
        match self {
            ElemOp::Equals(x) => format!("{{equals: '{x}'}}"),
            ElemOp::Caseless(x) => format!("{{as: caseless, equals: '{x}'}}"),
            ElemOp::StartsWith(x) => format!("{{starts-with: '{x}'}}"),
            ElemOp::In(xs) => format!("{{in: [{}]}}", quoted(xs)),
            ElemOp::Matches(p) => format!(
                "{{matches: '{}'}}",
                match p {
                    Pattern::StartsWithP => "^p",
                    Pattern::HasDigit => "[0-9]",
                    Pattern::Lowercase => "^[a-z]+$",
                }
            ),
        }
    }

    /// Whether element `e` passes (an element is always there: never unknown).
    pub fn holds(&self, e: &str) -> bool {
        match self {
            ElemOp::Equals(x) => e == *x,
            ElemOp::Caseless(x) => e.to_lowercase() == x.to_lowercase(),
            ElemOp::StartsWith(x) => e.starts_with(x),
            ElemOp::In(xs) => xs.contains(&e),
            ElemOp::Matches(Pattern::StartsWithP) => e.starts_with('p'),
            ElemOp::Matches(Pattern::HasDigit) => e.chars().any(|c| c.is_ascii_digit()),
            ElemOp::Matches(Pattern::Lowercase) => {
                !e.is_empty() && e.chars().all(|c| c.is_ascii_lowercase())
            }
        }
    }
}

/// A quantifier over the truths of a list's elements, by Kleene's rules: `any` is true if an
/// element is, `all` false if one is not (and true over no elements), `none` is not `any`.
pub fn quantify(q: &Quant, each: &[T]) -> T {
    let some = each.iter().fold(T::No, |a, &r| or(a, r));
    match q {
        Quant::Any => some,
        Quant::None => not(some),
        Quant::All => each.iter().fold(T::Yes, |a, &r| and(a, r)),
        Quant::Count(min, max) => {
            let sure = each.iter().filter(|&&r| r == T::Yes).count() as u64;
            let maybe = each.iter().filter(|&&r| r == T::Unknown).count() as u64;
            count_truth(sure, maybe, *min, *max)
        }
    }
}

/// A count bound on a number known to lie in `sure..=sure + maybe`: true when every possible
/// number is in range, false when none is, unknown otherwise.
pub fn count_truth(sure: u64, maybe: u64, min: u64, max: Option<u64>) -> T {
    let ok = |n: u64| n >= min && max.is_none_or(|m| n <= m);
    let outcomes: BTreeSet<bool> = (sure..=sure + maybe).map(ok).collect();
    match (outcomes.contains(&true), outcomes.contains(&false)) {
        (true, false) => T::Yes,
        (false, true) => T::No,
        _ => T::Unknown,
    }
}
