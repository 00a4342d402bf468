//! Merging two declarations of one attribute (a later vocabulary extends an earlier one).

use super::Attribute;
use crate::diagnostic::{Diag, Diags};
use crate::source::SourceFile;
use crate::value::Pos;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Add an attribute declaration, merging it with an earlier one of the same name.
pub(super) fn merge_attribute(
    map: &mut BTreeMap<String, Attribute>,
    name: String,
    new: Attribute,
    file: &SourceFile,
    pos: Pos,
    owner: &str,
    diags: &mut Diags,
) {
    let key = name.clone();
    let old = match map.entry(name) {
        std::collections::btree_map::Entry::Vacant(e) => {
            e.insert(new);
            return;
        }
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
    };
    let merged = match merge_schema(&old.schema, &new.schema, &[]) {
        Ok(m) => m,
        Err((path, why)) => {
            let field = std::iter::once(key)
                .chain(path)
                .collect::<Vec<_>>()
                .join(".");
            let mut d = Diag::error(
                "vocabulary::conflicting_attribute",
                format!("attribute `{field}` of {owner} is declared twice, incompatibly: {why}"),
            )
            .at(file, pos, "declared again here");
            if let Some((first_file, first_pos)) = &old.origin {
                d = d.also_at(first_file, *first_pos, "first declared here");
            }
            diags.push(d.help(
                "a later vocabulary may add keys, `enum` and `known` values and descriptions to an attribute, but not change its `type`, `pattern` or bounds; make the declarations agree or rename one",
            ));
            return;
        }
    };
    match jsonschema::validator_for(&merged) {
        Ok(v) => {
            old.schema = merged;
            old.validator = v;
        }
        Err(e) => diags.push(
            Diag::error(
                "vocabulary::bad_schema",
                format!("the merged schema of an attribute of {owner} does not compile: {e}"),
            )
            .at(file, pos, "merged with an earlier declaration here")
            .help("fix the JSON Schema fragment (draft 2020-12)"),
        ),
    }
}

/// Keywords that describe an attribute for people: the first declaration's are kept.
const DESCRIPTIVE: &[&str] = &["description", "title", "examples", "$comment", "default"];

/// Merge two declarations of one attribute: `properties` are joined (recursively), `enum`
/// and `known` values are joined, `items` merge; descriptions keep the first; any other
/// keyword must be equal (`type` compared as a set). Err gives the nested path and why.
fn merge_schema(a: &Json, b: &Json, at: &[String]) -> Result<Json, (Vec<String>, String)> {
    let (Some(ma), Some(mb)) = (a.as_object(), b.as_object()) else {
        return if a == b {
            Ok(a.clone())
        } else {
            Err((at.to_vec(), format!("`{a}` and `{b}` differ")))
        };
    };
    // A reference and a plain value of a type are different attributes.
    let typed_plain =
        |m: &serde_json::Map<String, Json>| m.contains_key("type") && !m.contains_key("reference");
    if (ma.contains_key("reference") && typed_plain(mb))
        || (mb.contains_key("reference") && typed_plain(ma))
    {
        return Err((
            at.to_vec(),
            "it is a reference in one and a plain value in the other".into(),
        ));
    }
    let mut out = ma.clone();
    for (k, vb) in mb {
        let Some(va) = out.get(k).cloned() else {
            out.insert(k.clone(), vb.clone());
            continue;
        };
        let merged = match k.as_str() {
            d if DESCRIPTIVE.contains(&d) => va,
            "enum" | "known" => {
                let mut list = va.as_array().cloned().unwrap_or_default();
                for v in vb.as_array().into_iter().flatten() {
                    if !list.contains(v) {
                        list.push(v.clone());
                    }
                }
                Json::Array(list)
            }
            "properties" => {
                let mut props = va.as_object().cloned().unwrap_or_default();
                for (name, sb) in vb.as_object().into_iter().flatten() {
                    let m = match props.get(name) {
                        Some(sa) => {
                            let mut path = at.to_vec();
                            path.push(name.clone());
                            merge_schema(sa, sb, &path)?
                        }
                        None => sb.clone(),
                    };
                    props.insert(name.clone(), m);
                }
                Json::Object(props)
            }
            "items" => merge_schema(&va, vb, at)?,
            "type" => {
                let set = |t: &Json| -> Vec<String> {
                    let mut v: Vec<String> = match t {
                        Json::Array(items) => items.iter().map(Json::to_string).collect(),
                        other => vec![other.to_string()],
                    };
                    v.sort();
                    v
                };
                if set(&va) != set(vb) {
                    return Err((
                        at.to_vec(),
                        format!("its type is {va} in one and {vb} in the other"),
                    ));
                }
                va
            }
            _ => {
                if va != *vb {
                    return Err((
                        at.to_vec(),
                        format!("its `{k}` is {va} in one and {vb} in the other"),
                    ));
                }
                va
            }
        };
        out.insert(k.clone(), merged);
    }
    // `{enum: [1, 2]}` and `{type: string}` each pass alone; together no value would.
    if let (Some(ty), Some(values)) = (out.get("type"), out.get("enum").and_then(Json::as_array))
        && let Some(bad) = values.iter().find(|v| !json_has_type(v, ty))
    {
        return Err((
            at.to_vec(),
            format!("its type is {ty} in one, but its values include {bad} in the other"),
        ));
    }
    Ok(Json::Object(out))
}

/// Whether a JSON value is of a JSON Schema `type` (a name or a list of names).
fn json_has_type(v: &Json, ty: &Json) -> bool {
    let fits = |t: &str| match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    match ty {
        Json::String(t) => fits(t),
        Json::Array(ts) => ts.iter().filter_map(Json::as_str).any(fits),
        _ => true,
    }
}
