//! `version`: the field is a version inside a range such as `>=4.0 <5.5` or `4.0 || 5.0`.
//!
//! Versions are dotted numbers with an optional letter suffix (`3.2a`); missing
//! components are zero, so `4` = `4.0`. A range is one or more alternatives joined by
//! `||`; each alternative is comparators (`>=`, `>`, `<=`, `<`, `=`, or none for `=`)
//! that must all hold.

use super::{OpCx, Operator, known};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};
use std::cmp::Ordering;

/// A parsed version.
#[derive(Debug, Clone)]
pub struct Version {
    parts: Vec<u64>,
    suffix: String,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let split = text
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len());
        let (nums, suffix) = text.split_at(split);
        if nums.is_empty() || !suffix.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let parts = nums
            .split('.')
            .map(|p| {
                p.bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| p.parse::<u64>().ok())
                    .flatten()
            })
            .collect::<Option<Vec<u64>>>()?;
        Some(Version {
            parts,
            suffix: suffix.to_ascii_lowercase(),
        })
    }

    pub fn from_value(v: &Value) -> Option<Version> {
        match v {
            Value::Str(s) => Version::parse(s),
            Value::Int(_) | Value::Float(_) => Version::parse(&v.display()),
            _ => None,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        for i in 0..n {
            let a = self.parts.get(i).copied().unwrap_or(0);
            let b = other.parts.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        self.suffix.cmp(&other.suffix)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A version range: alternatives (`||`) of all-must-hold comparators.
#[derive(Debug, Clone)]
pub struct VersionRange {
    text: String,
    alternatives: Vec<Vec<(Ordering, bool, Version)>>,
}

impl VersionRange {
    /// Parse a range; the error says which part is wrong.
    pub fn parse(text: &str) -> Result<VersionRange, String> {
        let mut alternatives = Vec::new();
        for alt in text.split("||") {
            let mut comparators = Vec::new();
            let mut tokens = alt.split_whitespace().peekable();
            while let Some(tok) = tokens.next() {
                // Allow `>= 4.0` with a space after the operator.
                let tok = if matches!(tok, ">=" | "<=" | ">" | "<" | "=") {
                    match tokens.next() {
                        Some(v) => format!("{tok}{v}"),
                        None => return Err(format!("`{tok}` has no version after it")),
                    }
                } else {
                    tok.to_owned()
                };
                let (ord, or_equal, rest) = if let Some(r) = tok.strip_prefix(">=") {
                    (Ordering::Greater, true, r)
                } else if let Some(r) = tok.strip_prefix("<=") {
                    (Ordering::Less, true, r)
                } else if let Some(r) = tok.strip_prefix('>') {
                    (Ordering::Greater, false, r)
                } else if let Some(r) = tok.strip_prefix('<') {
                    (Ordering::Less, false, r)
                } else if let Some(r) = tok.strip_prefix('=') {
                    (Ordering::Equal, true, r)
                } else {
                    (Ordering::Equal, true, tok.as_str())
                };
                let v = Version::parse(rest)
                    .ok_or_else(|| format!("`{rest}` is not a version (expected e.g. 5.5)"))?;
                comparators.push((ord, or_equal, v));
            }
            if comparators.is_empty() {
                return Err("an alternative of the range is empty".to_owned());
            }
            alternatives.push(comparators);
        }
        Ok(VersionRange {
            text: text.trim().to_owned(),
            alternatives,
        })
    }

    pub fn contains(&self, v: &Version) -> bool {
        self.alternatives.iter().any(|alt| {
            alt.iter().all(|(ord, or_equal, bound)| {
                let c = v.cmp(bound);
                c == *ord || (*or_equal && c == Ordering::Equal)
            })
        })
    }
}

#[derive(Debug)]
struct InRange {
    range: VersionRange,
}

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>) -> Option<Box<dyn Operator>> {
    let text = match &arg.value {
        Value::Str(s) => s.clone(),
        Value::Int(_) | Value::Float(_) => arg.value.display(),
        other => {
            cx.error(
                arg,
                "bad_version_range",
                format!(
                    "`version` takes a range such as \">=4.0 <5.5\", found a {}",
                    other.type_name()
                ),
                "write the range as a string: `version: \">=4.0 <=5.5\"`",
            );
            return None;
        }
    };
    match VersionRange::parse(&text) {
        Ok(range) => Some(Box::new(InRange { range })),
        Err(why) => {
            cx.error(
                arg,
                "bad_version_range",
                format!("invalid version range `{text}`: {why}"),
                "write comparators such as `>=4.0 <5.5`, alternatives with `||`, e.g. `4.0 || 5.0 || 5.5`",
            );
            None
        }
    }
}

impl Operator for InRange {
    fn test(&self, actual: Option<&Value>, _env: &Env<'_>) -> Truth {
        let Some(actual) = known(actual) else {
            return Truth::Unknown;
        };
        // A value that is set but is not a version is definitely not in the range.
        Truth::from(Version::from_value(actual).is_some_and(|v| self.range.contains(&v)))
    }

    fn describe(&self) -> String {
        format!("is a version in `{}`", self.range.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::operators::testing::{compile_error, literal_op};

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn versions_order_by_component() {
        assert!(v("4.0") < v("5.5"));
        assert!(v("5.10") > v("5.9"));
        assert_eq!(v("4"), v("4.0"));
        assert!(v("3.2a") > v("3.2"));
        assert!(Version::parse("five").is_none());
    }

    #[test]
    fn ranges() {
        let r = VersionRange::parse(">=4.0 <5.5").unwrap();
        assert!(r.contains(&v("4.0")) && r.contains(&v("5.0")));
        assert!(!r.contains(&v("5.5")) && !r.contains(&v("3.5")));
        let r = VersionRange::parse("4.0 || 5.0 || 5.5").unwrap();
        assert!(r.contains(&v("5.5")) && !r.contains(&v("5.1")));
        assert!(VersionRange::parse(">=4.0 <").is_err());
        assert!(VersionRange::parse(">=x").is_err());
    }

    #[test]
    fn operator_reads_strings_and_numbers() {
        let op = literal_op("version", "\">=4.0 <=5.5\"");
        assert!(op.holds(Some(&Value::Str("5.5".into()))));
        assert!(op.holds(Some(&Value::Float(5.0))));
        assert!(!op.holds(Some(&Value::Str("6.0".into()))));
        assert!(!op.holds(None));
        assert_eq!(
            compile_error("version", "\">=4.0 <\""),
            "kbcheck::rule::bad_version_range"
        );
    }
}
