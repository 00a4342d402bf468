//! kbcheck's value types beyond JSON Schema's: `type: date` (`YYYY-MM-DD`), `type: time`
//! (`HH:MM`) and `type: time-window` (`HH:MM-HH:MM`, possibly past midnight), read from a
//! vocabulary, written into the topology schema, and checked on topology values.

use crate::diagnostic::{Diag, Diags};
use crate::source::SourceFile;
use crate::value::{Node, Value};
use serde_json::Value as Json;

/// kbcheck's key naming a value type JSON Schema does not have (`date`, `time`,
/// `time-window`), kept in the schema like `known`.
pub(super) const VALUE_TYPE: &str = "kbcheck-type";

/// Attribute types beyond JSON Schema's: `type: date` (`YYYY-MM-DD`), `type: time` (`HH:MM`)
/// and `type: time-window` (`HH:MM-HH:MM`, possibly past midnight) become text of that shape
/// (a `pattern`, for editors), marked with [`VALUE_TYPE`] so topologies and rules can check
/// them; nested under `properties` and `items` too.
pub(super) fn value_types(schema: &mut Json) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let pattern = match map.get("type").and_then(Json::as_str) {
        Some("date") => Some(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
        Some("time") => Some(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
        Some("time-window") => Some(r"^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$"),
        _ => None,
    };
    if let Some(pattern) = pattern
        && let Some(ty) = map.remove("type")
    {
        map.insert(VALUE_TYPE.into(), ty);
        map.insert("type".into(), Json::from("string"));
        map.entry("pattern").or_insert_with(|| Json::from(pattern));
    }
    if let Some(items) = map.get_mut("items") {
        value_types(items);
    }
    if let Some(Json::Object(props)) = map.get_mut("properties") {
        props.values_mut().for_each(value_types);
    }
}

/// The value type (`date`, `time`, `time-window`) an attribute schema declares, if any.
pub fn value_type(schema: &Json) -> Option<&str> {
    schema.get(VALUE_TYPE).and_then(Json::as_str)
}

/// Check a topology value against the value types its schema declares (within objects and
/// lists too): a text that is not a date, time or window is a wrong type, said in words.
pub(super) fn check_value_types(
    file: &SourceFile,
    kind: &str,
    field: &str,
    schema: &Json,
    value: &Node,
    diags: &mut Diags,
) {
    match (&value.value, value_type(schema)) {
        (Value::Str(text), Some(ty)) => {
            let why = match ty {
                "date" => crate::date::Date::parse(text).err(),
                "time" => crate::date::Time::parse(text).err(),
                _ => crate::date::Window::parse(text).err(),
            };
            if let Some(why) = why {
                diags.push(
                    Diag::error(
                        "topology::wrong_type",
                        format!("`{field}` of a `{kind}`: {why}"),
                    )
                    .at(file, value.pos, format!("not a {}", ty.replace('-', " ")))
                    .help(match ty {
                        "date" => "write a date as `YYYY-MM-DD`, e.g. `2000-12-31`".to_owned(),
                        "time" => "write a time of day as `HH:MM` on a 24-hour clock, e.g. `07:30`".to_owned(),
                        _ => "write a window as `HH:MM-HH:MM`, e.g. `18:00-08:00` (past midnight) or `00:00-24:00` (all day)".to_owned(),
                    }),
                );
            }
        }
        (Value::List(items), _) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    check_value_types(file, kind, field, item_schema, item, diags);
                }
            }
        }
        (Value::Map(entries), _) => {
            for (k, v) in entries {
                if let Some(s) = schema
                    .get("properties")
                    .and_then(|p| p.get(k.name.as_str()))
                {
                    check_value_types(file, kind, &format!("{field}.{}", k.name), s, v, diags);
                }
            }
        }
        _ => {}
    }
}
