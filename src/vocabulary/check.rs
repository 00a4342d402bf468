//! Checking topology values against the vocabulary: types, unknown words, known values.

use super::{Attribute, Class, Vocabulary};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::source::SourceFile;
use crate::value::{Node, Pos, Value};
use serde_json::Value as Json;

impl Vocabulary {
    /// Validate one attribute value of a topology entity. Unknown attributes give a
    /// warning with a suggestion; values of the wrong type give errors.
    pub fn check_attribute(
        &self,
        file: &SourceFile,
        class: Class,
        kind: &str,
        key: &crate::value::Key,
        value: &Node,
        diags: &mut Diags,
    ) {
        match self.attribute(class, kind, &key.name) {
            Some(attr) => {
                let json = value.value.to_json();
                if !attr.validator.is_valid(&json) {
                    self.wrong_values(file, kind, key, attr, value, &json, diags);
                }
                super::types::check_value_types(file, kind, &key.name, &attr.schema, value, diags);
                check_nested_keys(self, file, kind, &key.name, &attr.schema, value, diags);
                self.check_known(file, kind, &key.name, &attr.schema, value, diags);
            }
            None => {
                let names = self.attribute_names(class, kind);
                let help = match crate::diagnostic::did_you_mean(&key.name, names.iter().copied()) {
                    Some(s) => format!(
                        "did you mean `{s}`? An attribute no vocabulary declares is read by no rule"
                    ),
                    None => format!(
                        "no vocabulary declares `{}` for `{kind}`; rules will not read it. {}",
                        key.name,
                        suggestion_help(&key.name, &names, "attributes")
                    ),
                };
                diags.push(
                    self.unknown_word(
                        "topology::unknown_attribute",
                        format!("unknown attribute `{}` on a `{kind}`", key.name),
                    )
                    .at(file, key.pos, "no vocabulary declares this attribute")
                    .help(help),
                );
            }
        }
    }

    /// A diagnostic about a word the vocabulary does not know: a warning, or an error in a
    /// closed world (`--strict`).
    pub fn unknown_word(&self, code: &str, message: String) -> Diag {
        if self.strict {
            Diag::error(code, message)
        } else {
            Diag::warning(code, message)
        }
    }

    /// Report the schema violations of a value: a value outside an enumeration (of a JSON
    /// type the enumeration has) is an unknown word; anything else is a wrong value. Keys
    /// an object does not declare are left to [`check_nested_keys`] (unknown attributes).
    #[expect(clippy::too_many_arguments, reason = "one call site, all context")]
    fn wrong_values(
        &self,
        file: &SourceFile,
        kind: &str,
        key: &crate::value::Key,
        attr: &Attribute,
        value: &Node,
        json: &Json,
        diags: &mut Diags,
    ) {
        use jsonschema::error::ValidationErrorKind as K;
        for err in attr.validator.iter_errors(json) {
            let pointer = err.instance_path().to_string();
            let at = node_at_pointer(value, &pointer).unwrap_or(value);
            let field = if pointer.is_empty() {
                key.name.to_string()
            } else {
                format!("{}{}", key.name, pointer.replace('/', "."))
            };
            match err.kind() {
                K::AdditionalProperties { .. } => continue,
                // A date, time or window: `check_value_types` says what is wrong, in words.
                K::Pattern { .. }
                    if schema_at(&attr.schema, &pointer)
                        .get(super::types::VALUE_TYPE)
                        .is_some() =>
                {
                    continue;
                }
                K::Enum { options } if same_type(options, err.instance()) => {
                    let values: Vec<&Json> = options.as_array().into_iter().flatten().collect();
                    diags.push(self.unknown_value(file, kind, &field, at, &values));
                    continue;
                }
                _ => {}
            }
            diags.push(
                Diag::error(
                    "topology::wrong_type",
                    format!("`{field}` of a `{kind}` has a wrong value: {err}"),
                )
                .at(file, at.pos, "this value does not fit the vocabulary")
                .help(describe_schema(&field, schema_at(&attr.schema, &pointer))),
            );
        }
    }

    /// Check values against the `known` lists of an attribute's schema (and its keys' and
    /// items'): an open enumeration, the values rules compare with.
    fn check_known(
        &self,
        file: &SourceFile,
        kind: &str,
        path: &str,
        schema: &Json,
        value: &Node,
        diags: &mut Diags,
    ) {
        match &value.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    if let Some(sub) = schema
                        .get("properties")
                        .and_then(|p| p.get(k.name.as_str()))
                    {
                        let p = format!("{path}.{}", k.name);
                        self.check_known(file, kind, &p, sub, v, diags);
                    }
                }
            }
            Value::List(items) => {
                if let Some(sub) = schema.get("items") {
                    for item in items {
                        self.check_known(file, kind, path, sub, item, diags);
                    }
                }
            }
            Value::Null => {}
            scalar => {
                let Some(known) = schema.get("known").and_then(Json::as_array) else {
                    return;
                };
                let json = scalar.to_json();
                if !known.contains(&json) {
                    let values: Vec<&Json> = known.iter().collect();
                    diags.push(self.unknown_value(file, kind, path, value, &values));
                }
            }
        }
    }

    /// A value outside an enumeration or the known values: a suggestion (a caseless match
    /// first, then the nearest by edit distance), else the list of values.
    fn unknown_value(
        &self,
        file: &SourceFile,
        kind: &str,
        field: &str,
        at: &Node,
        values: &[&Json],
    ) -> Diag {
        let shown = at.value.display();
        let texts: Vec<String> = values.iter().map(|v| json_text(v)).collect();
        let names: Vec<&str> = texts.iter().map(String::as_str).collect();
        let caseless = names
            .iter()
            .find(|n| **n != shown && n.eq_ignore_ascii_case(&shown));
        let what = format!("values of `{field}`");
        let help = match caseless {
            Some(n) => format!("did you mean `{n}`? Values are compared with their case"),
            // `3` is not a typo of `1`: numbers get the list.
            None if !matches!(at.value, Value::Str(_)) => {
                format!("known {what}: {}", names.join(", "))
            }
            None => suggestion_help(&shown, &names, &what),
        };
        self.unknown_word(
            "topology::unknown_value",
            format!("`{field}` of a `{kind}` is `{shown}`, a value no vocabulary knows"),
        )
        .at(file, at.pos, "not a known value")
        .help(format!(
            "{help} (rules that compare `{field}` with the values they know will not match it)"
        ))
    }

    /// An undeclared tag, with a suggestion.
    pub fn unknown_tag(&self, file: &SourceFile, tag: &str, pos: Pos) -> Diag {
        let names: Vec<&str> = self.tags.keys().map(String::as_str).collect();
        self.unknown_word("topology::unknown_tag", format!("unknown tag `{tag}`"))
            .at(file, pos, "no vocabulary declares this tag")
            .help(format!(
                "{}; rules that select or grade by tag will not see it",
                suggestion_help(tag, &names, "tags")
            ))
    }
}

/// Whether `value` has the JSON type of one of `options` (an integer is not a string).
fn same_type(options: &Json, value: &Json) -> bool {
    let ty = |v: &Json| match v {
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Bool(_) => "boolean",
        Json::Null => "null",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    };
    options
        .as_array()
        .is_some_and(|o| o.iter().any(|x| ty(x) == ty(value)))
}

/// A JSON scalar as a user writes it (`exchange`, not `"exchange"`).
fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Warn about keys of a nested map attribute that its schema does not list.
fn check_nested_keys(
    vocab: &Vocabulary,
    file: &SourceFile,
    kind: &str,
    path: &str,
    schema: &Json,
    value: &Node,
    diags: &mut Diags,
) {
    let (Value::Map(entries), Some(props)) = (
        &value.value,
        schema.get("properties").and_then(Json::as_object),
    ) else {
        return;
    };
    for (k, v) in entries {
        let full = format!("{path}.{}", k.name);
        match props.get(k.name.as_str()) {
            Some(sub) => check_nested_keys(vocab, file, kind, &full, sub, v, diags),
            None => {
                let names: Vec<&str> = props.keys().map(String::as_str).collect();
                diags.push(
                    vocab
                        .unknown_word(
                            "topology::unknown_attribute",
                            format!("unknown attribute `{full}` on a `{kind}`"),
                        )
                        .at(file, k.pos, "no vocabulary declares this attribute")
                        .help(suggestion_help(
                            &k.name,
                            &names,
                            &format!("keys of `{path}`"),
                        )),
                );
            }
        }
    }
}

/// The node a JSON pointer (`/a/0/b`) names inside `node`.
fn node_at_pointer<'a>(node: &'a Node, pointer: &str) -> Option<&'a Node> {
    let mut cur = node;
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        cur = match &cur.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == seg)
                .map(|(_, v)| v)?,
            Value::List(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The part of an attribute's schema that describes the value at a JSON pointer
/// (`/disk` of `install` → `install.properties.disk`), so help talks about the wrong value.
fn schema_at<'a>(schema: &'a Json, pointer: &str) -> &'a Json {
    let mut cur = schema;
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        match cur
            .get("properties")
            .and_then(|p| p.get(&seg))
            .or_else(|| cur.get("items"))
        {
            Some(next) => cur = next,
            None => return cur,
        }
    }
    cur
}

/// A sentence saying what an attribute accepts.
fn describe_schema(field: &str, schema: &Json) -> String {
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        let vals: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        return format!("`{field}` takes one of {}", vals.join(", "));
    }
    let ty = schema.get("type").map_or_else(
        || "a value".to_owned(),
        |t| match t.as_str() {
            Some(t @ ("object" | "integer" | "array")) => format!("an {t}"),
            Some(t) => format!("a {t}"),
            None => t.to_string(),
        },
    );
    let mut s = format!("`{field}` takes {ty}");
    if let Some(d) = schema.get("description").and_then(Json::as_str) {
        s.push_str(": ");
        s.push_str(d);
    }
    s
}
