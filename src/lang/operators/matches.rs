//! `matches`: the field's text matches a regular expression (linear time, no backtracking).

use super::{Lookup, OpCx, Operator, known};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::value::{Node, Value};

#[derive(Debug)]
struct Matches {
    regex: regex::Regex,
}

pub fn compile(arg: &Node, cx: &mut OpCx<'_, '_>) -> Option<Box<dyn Operator>> {
    let Value::Str(pattern) = &arg.value else {
        cx.error(
            arg,
            "bad_argument",
            format!(
                "`matches` takes a regular expression string, found a {}",
                arg.value.type_name()
            ),
            "write the pattern as a quoted string: `matches: '^22-'`",
        );
        return None;
    };
    build_regex(cx.file, cx.diags, arg, pattern, cx.max_regex_bytes)
        .map(|regex| Box::new(Matches { regex }) as Box<dyn Operator>)
}

/// Build a regex written at `node`, within the size limit; a diagnostic if it is invalid or
/// too big. Shared by `matches` and the `number` expression's `extract`.
pub fn build_regex(
    file: &crate::source::SourceFile,
    diags: &mut crate::diagnostic::Diags,
    node: &Node,
    pattern: &str,
    max_regex_bytes: usize,
) -> Option<regex::Regex> {
    // Regexes larger than the limit (compiled) are refused, so a rule cannot exhaust memory;
    // the regex crate matches in linear time, so size is the only cost a pattern controls.
    match regex::RegexBuilder::new(pattern)
        .size_limit(max_regex_bytes)
        .dfa_size_limit(max_regex_bytes)
        .build()
    {
        Ok(regex) => Some(regex),
        Err(regex::Error::CompiledTooBig(limit)) => {
            diags.push(
                crate::diagnostic::Diag::error(
                    "limits::regex_too_big",
                    format!("the regular expression compiles to more than the limit of {limit} bytes"),
                )
                .at(file, node.pos, "this pattern")
                .help("simplify the pattern (large counted repetitions such as `a{1000}` grow it), or raise the limit with `--max-regex-bytes`"),
            );
            None
        }
        Err(e) => {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or(&detail).trim();
            let last = last.strip_prefix("error: ").unwrap_or(last).to_owned();
            diags.push(
                crate::diagnostic::Diag::error(
                    "rule::bad_regex",
                    format!("invalid regular expression: {last}"),
                )
                .at(file, node.pos, "here")
                .help("kbcheck uses Rust regex syntax (no look-around or backreferences); escape special characters with `\\`"),
            );
            None
        }
    }
}

impl Operator for Matches {
    fn test(&self, actual: Option<&Value>, _env: &Env<'_>) -> Truth {
        Truth::from(match known(actual) {
            None => return Truth::Unknown,
            Some(Value::Str(s)) => self.regex.is_match(s),
            Some(v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_))) => {
                self.regex.is_match(&v.display())
            }
            Some(_) => false,
        })
    }

    fn describe(&self) -> String {
        format!("matches /{}/", self.regex.as_str())
    }

    fn lookup(&self) -> Option<Lookup<'_>> {
        Some(Lookup::Pattern(&self.regex))
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::operators::testing::{compile_error, literal_op};
    use crate::value::Value;

    #[test]
    fn matches_text() {
        let op = literal_op("matches", "'^\\\\\\\\EXCH'");
        assert!(op.holds(Some(&Value::Str("\\\\EXCH1\\MAILDAT$".into()))));
        assert!(!op.holds(Some(&Value::Str("\\\\MAIL\\X".into()))));
        assert!(!op.holds(None));
    }

    #[test]
    fn a_regex_over_the_size_limit_is_refused() {
        assert_eq!(
            compile_error("matches", "'(\\w{100}){100}'"),
            "kbcheck::limits::regex_too_big"
        );
    }

    #[test]
    fn bad_regex_is_a_compile_error() {
        assert_eq!(
            compile_error("matches", "'(unclosed'"),
            "kbcheck::rule::bad_regex"
        );
    }
}
