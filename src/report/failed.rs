//! The report of a run that failed (exit 2: a rule, topology, waivers file or config could
//! not be read), in every format, so a gate that reads the report — not the exit code —
//! still sees the failure: SARIF with `executionSuccessful: false` and each diagnostic as a
//! tool execution notification, JSON with `errors`, JUnit with an `<error>`, Markdown and
//! HTML saying why, GitHub `::error` annotations. No findings are listed: nothing was checked.

use super::Format;
use super::github::{command, escape_property};
use super::junit::{attr, text_node};
use crate::diagnostic::Diag;
use crate::graph::escape_xml;
use serde_json::json;

/// The failure report for `errors` (the error diagnostics the run printed).
pub fn render(format: Format, errors: &[Diag]) -> String {
    match format {
        Format::Human => human(errors),
        Format::Json => json(errors),
        Format::Sarif => super::sarif::render_failed(errors),
        Format::Junit => junit(errors),
        Format::Markdown => markdown(errors),
        Format::Github => github(errors),
        Format::Html => html(errors),
    }
}

/// `file:line:column: ` of a diagnostic, or nothing.
fn place(d: &Diag) -> String {
    match &d.location {
        Some((file, line, column)) if *line > 0 => format!("{file}:{line}:{column}: "),
        Some((file, _, _)) => format!("{file}: "),
        None => String::new(),
    }
}

/// One line per error: `code: file:line:column: message (help)`.
fn line(d: &Diag) -> String {
    let help = d
        .help
        .as_ref()
        .map_or_else(String::new, |h| format!(" ({h})"));
    format!("{}: {}{}{help}", d.code, place(d), d.message)
}

fn headline(errors: &[Diag]) -> String {
    format!(
        "kbcheck could not run the check: {} error{} in its input; nothing was checked",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    )
}

fn human(errors: &[Diag]) -> String {
    let mut out = format!("{}\n", headline(errors));
    for d in errors {
        out.push_str(&format!("  {}\n", line(d)));
    }
    out
}

fn json(errors: &[Diag]) -> String {
    let doc = json!({
        "status": "failed",
        "errors": errors.iter().map(|d| {
            let mut e = json!({"code": d.code, "message": d.message, "help": d.help});
            if let (Some((file, line, column)), Some(map)) = (&d.location, e.as_object_mut()) {
                map.insert("file".to_owned(), json!(file));
                if *line > 0 {
                    map.insert("line".to_owned(), json!(line));
                    map.insert("column".to_owned(), json!(column));
                }
            }
            e
        }).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn junit(errors: &[Diag]) -> String {
    let body: Vec<String> = errors.iter().map(line).collect();
    let head = headline(errors);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kbcheck\" tests=\"1\" failures=\"0\" errors=\"1\">\n  <testsuite name=\"kbcheck\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase name=\"kbcheck run\" classname=\"kbcheck\">\n      <error message=\"{}\" type=\"{}\">{}</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
        attr(&head),
        attr(
            errors
                .first()
                .map_or("kbcheck::failed", |d| d.code.as_str())
        ),
        text_node(&body.join("\n"))
    )
}

fn markdown(errors: &[Diag]) -> String {
    let mut out = format!("## kbcheck: the run failed\n\n{}.\n\n", headline(errors));
    for d in errors {
        out.push_str(&format!(
            "- `{}` {}\n",
            d.code,
            super::markdown::escape(&format!(
                "{}{}{}",
                place(d),
                d.message,
                d.help
                    .as_ref()
                    .map_or_else(String::new, |h| format!(" ({h})"))
            ))
        ));
    }
    out
}

fn github(errors: &[Diag]) -> String {
    let mut out = String::new();
    for d in errors {
        let mut props = Vec::new();
        if let Some((file, line, column)) = &d.location {
            props.push(("file", escape_property(file)));
            if *line > 0 {
                props.push(("line", line.to_string()));
                props.push(("col", column.to_string()));
            }
        }
        props.push(("title", escape_property(&d.code)));
        out.push_str(&command("error", &props, &line(d)));
    }
    out.push_str(&command(
        "error",
        &[("title", "kbcheck".to_owned())],
        &headline(errors),
    ));
    out
}

fn html(errors: &[Diag]) -> String {
    let items: String = errors
        .iter()
        .map(|d| format!("<li>{}</li>\n", escape_xml(&line(d))))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>kbcheck: the run failed</title></head>\n<body>\n<h1>kbcheck: the run failed</h1>\n<p>{}</p>\n<ul>\n{items}</ul>\n</body>\n</html>\n",
        escape_xml(&headline(errors))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors() -> Vec<Diag> {
        let file = crate::source::SourceFile::new("plan.yaml", "version: 1\nnodes: 3\n".to_owned());
        vec![
            Diag::error("kbcheck::topology::wrong_type", "`nodes` must be a list")
                .at(
                    &file,
                    crate::value::Pos {
                        offset: 18,
                        len: 1,
                        line: 2,
                        column: 8,
                    },
                    "here",
                )
                .help("write `nodes: [...]`"),
        ]
    }

    #[test]
    fn every_format_says_the_run_failed_and_why() {
        let errors = errors();
        for format in [
            Format::Human,
            Format::Json,
            Format::Sarif,
            Format::Junit,
            Format::Markdown,
            Format::Github,
            Format::Html,
        ] {
            let text = render(format, &errors);
            assert!(text.contains("nodes"), "{format:?}: {text}");
        }
        let doc: serde_json::Value = serde_json::from_str(&render(Format::Sarif, &errors)).unwrap();
        let inv = &doc["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        assert_eq!(
            inv["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            2
        );
        let doc: serde_json::Value = serde_json::from_str(&render(Format::Json, &errors)).unwrap();
        assert_eq!(doc["status"], "failed");
        assert_eq!(doc["errors"][0]["line"], 2);
        assert!(
            doc.get("findings").is_none(),
            "a failed run lists no findings"
        );
        assert!(render(Format::Junit, &errors).contains("<error message=\"kbcheck could not run"));
    }
}
