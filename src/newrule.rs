//! `kbcheck new rule ID`: a rule skeleton to start from, and the placeholders that keep a
//! skeleton from ever loading until its author has filled it in.
//!
//! A skeleton has every metadata key, the rule's logic and one firing and one quiet test
//! case. What only the author can write is a string starting with [`PLACEHOLDER`]; the rule
//! loader refuses any rule file holding one (`lang::placeholder`), naming each with what to
//! write, so a skeleton never passes a gate and `kbcheck test` says what is left to do.
//! Given a KB article's text (the archive's format: `DOCUMENT:`, `TITLE   :`, `PRODUCT :`
//! header lines, then "The information in this article applies to:" and its list), the
//! skeleton takes its title, article id, products and address from the article.

use crate::diagnostic::Diag;
use crate::lang::placeholder::PLACEHOLDER;
use crate::source::SourceFile;
use crate::value::Pos;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct NewArgs {
    #[command(subcommand)]
    pub what: NewWhat,
}

#[derive(Subcommand, Debug)]
pub enum NewWhat {
    /// Write a rule skeleton, `DIR/ID.yaml`, that loads once its placeholders are filled in.
    Rule(NewRuleArgs),
}

#[derive(Args, Debug)]
pub struct NewRuleArgs {
    /// The rule id, e.g. KB-Q151228-DUPLICATE-SERIAL (also the file name).
    pub id: String,
    /// A KB article's text file: fills in title, kb, products and references from its header.
    #[arg(long, value_name = "FILE")]
    pub kb: Option<PathBuf>,
    /// The folder to write the rule to (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// Run `kbcheck new ...`: write the file and say so on `out`; the diagnostic if it cannot.
pub fn run(args: &NewArgs, out: &mut dyn Write) -> Result<(), Diag> {
    let NewWhat::Rule(a) = &args.what;
    let (path, left) = new_rule(a)?;
    let _ = writeln!(
        out,
        "wrote `{}`: fill in its {left} `{PLACEHOLDER}` values (it does not load until then), \
         then run `kbcheck test {}`",
        path.display(),
        a.dir.display()
    );
    Ok(())
}

/// Write the skeleton; its path and how many placeholders it holds.
fn new_rule(a: &NewRuleArgs) -> Result<(PathBuf, usize), Diag> {
    if !crate::lang::compile::is_rule_id(&a.id) {
        return Err(Diag::error(
            "new::bad_id",
            format!(
                "rule id `{}` must be letters, digits, `-`, `_` and `.`, and not empty",
                a.id
            ),
        )
        .help("use an id such as `KB-Q142196-INVALID-SERIAL`; it is also the file name"));
    }
    let article = match &a.kb {
        Some(path) => Some(Article::read(path)?),
        None => None,
    };
    let text = skeleton(&a.id, article.as_ref());
    let path = a.dir.join(format!("{}.yaml", a.id));
    let name = path.display().to_string();
    let write_failed = |e: std::io::Error| {
        Diag::error("io::write_failed", format!("cannot write `{name}`: {e}"))
            .in_file(&name)
            .help("check that the folder can be created and written to")
    };
    std::fs::create_dir_all(&a.dir).map_err(write_failed)?;
    // `create_new`: an existing rule is never overwritten, even by a race.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Diag::error(
                "new::file_exists",
                format!("`{name}` already exists; kbcheck does not overwrite it"),
            )
            .in_file(&name)
            .help("choose another rule id or `--dir`, or move the file away first"));
        }
        Err(e) => return Err(write_failed(e)),
    };
    file.write_all(text.as_bytes()).map_err(write_failed)?;
    Ok((path, text.matches(&format!("\"{PLACEHOLDER}")).count()))
}

/// What a KB article's header says.
#[derive(Debug, PartialEq)]
pub struct Article {
    /// `Q151228`.
    pub id: String,
    pub title: String,
    pub products: Vec<String>,
    /// The article's section headings, in order (`SYMPTOMS`, `WORKAROUND`, `STATUS`).
    pub sections: Vec<String>,
}

/// The section headings the archive's articles use.
const SECTIONS: &[&str] = &[
    "SUMMARY",
    "SYMPTOMS",
    "CAUSE",
    "RESOLUTION",
    "WORKAROUND",
    "STATUS",
    "MORE INFORMATION",
    "REFERENCES",
];

impl Article {
    fn read(path: &Path) -> Result<Article, Diag> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| crate::parse::io_diag(&name, &e))?;
        // The archive's texts predate UTF-8; a stray byte must not refuse the header.
        let file = SourceFile::new(name, String::from_utf8_lossy(&bytes).into_owned());
        Article::parse(&file)
    }

    /// Read the header of an article in the archive's format.
    pub fn parse(file: &SourceFile) -> Result<Article, Diag> {
        let lines: Vec<&str> = file.text().lines().map(str::trim_end).collect();
        let field = |key: &str| {
            lines.iter().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == key).then(|| v.trim().to_owned())
            })
        };
        let not_an_article = |what: &str| {
            let first = lines.first().copied().unwrap_or_default();
            Diag::error(
                "new::bad_kb_file",
                format!("`{}` is not a KB article: {what}", file.name()),
            )
            .at(
                file,
                Pos {
                    offset: 0,
                    len: u32::try_from(first.len()).unwrap_or(0),
                    line: 1,
                    column: 1,
                },
                "the article's header starts here",
            )
            .help(
                "give the article's text as the KB archive has it, starting with lines such as \
                 `DOCUMENT:Q151228  19-DEC-1999  [exchange]` and `TITLE   :...`",
            )
        };
        let document = field("DOCUMENT").unwrap_or_default();
        let id = document
            .split_whitespace()
            .next()
            .filter(|id| {
                id.len() > 1
                    && id.starts_with(['Q', 'q'])
                    && id.chars().skip(1).all(|c| c.is_ascii_digit())
            })
            .map(str::to_uppercase)
            .ok_or_else(|| not_an_article("no `DOCUMENT:Q...` line names the article"))?;
        let title = field("TITLE")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| not_an_article("no `TITLE   :` line gives its title"))?;
        // The products are the list under "applies to", else the `PRODUCT` line.
        let applies = lines
            .iter()
            .position(|l| l.to_lowercase().contains("this article applies to"));
        let mut products: Vec<String> = applies
            .map(|at| {
                lines
                    .iter()
                    .skip(at + 1)
                    .skip_while(|l| l.trim().is_empty())
                    .map_while(|l| l.trim().strip_prefix("- ").map(|p| p.trim().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        if products.is_empty() {
            products.extend(field("PRODUCT").filter(|p| !p.is_empty()));
        }
        let mut sections: Vec<String> = Vec::new();
        for l in &lines {
            let heading = l.trim();
            if SECTIONS.contains(&heading) && !sections.iter().any(|s| s == heading) {
                sections.push(heading.to_owned());
            }
        }
        Ok(Article {
            id,
            title,
            products,
            sections,
        })
    }

    /// The article's addresses, as the bundled rules give them: its page in the public
    /// archive, then its original (retired) Microsoft address.
    pub fn references(&self) -> Vec<String> {
        [
            crate::kb::archive_url(&self.id),
            crate::kb::support_url(&self.id),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// A YAML double-quoted string (a JSON string is one).
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

fn fill(what: &str) -> String {
    quoted(&format!("{PLACEHOLDER} {what}"))
}

/// Where in the article a key's text is found: the first of the `wanted` sections the article
/// has (`CAUSE`, else ...), naming the sections it has when it lacks the first; without an
/// article, the first.
fn from_sections(what: &str, wanted: &[&str], article: Option<&Article>) -> String {
    let first = wanted.first().copied().unwrap_or("SUMMARY");
    let Some(a) = article.filter(|a| !a.sections.is_empty()) else {
        return format!("{what}, from the article's {first} section");
    };
    let found = wanted.iter().find(|w| a.sections.iter().any(|s| s == *w));
    match found {
        Some(s) if *s == first => format!("{what}, from the article's {s} section"),
        Some(s) => format!(
            "{what}, from the article's {s} section (it has no {first}; its sections: {})",
            a.sections.join(", ")
        ),
        None => format!(
            "{what} (the article has no {first} section; its sections: {})",
            a.sections.join(", ")
        ),
    }
}

/// The skeleton's text: every metadata key, check logic, and two test cases.
pub fn skeleton(id: &str, article: Option<&Article>) -> String {
    let list = |items: Vec<String>| format!("[{}]", items.join(", "));
    let (title, kb, products, references) = match article {
        Some(a) => (
            quoted(&a.title),
            list(vec![quoted(&a.id)]),
            if a.products.is_empty() {
                list(vec![fill(
                    "the products and versions the article applies to",
                )])
            } else {
                list(a.products.iter().map(|p| quoted(p)).collect())
            },
            list(a.references().iter().map(|r| quoted(r)).collect()),
        ),
        None => (
            fill("what the rule checks, in one line"),
            list(vec![fill("the article's id, e.g. `Q151228`")]),
            list(vec![fill(
                "the products and versions the article applies to, e.g. `Microsoft Exchange Server 5.5`",
            )]),
            list(vec![fill(
                "the article's address, e.g. `https://jeffpar.github.io/kbarchive/kb/151/Q151228/`",
            )]),
        ),
    };
    format!(
        r#"# A kbcheck rule, started by `kbcheck new rule`. Each `{PLACEHOLDER}` value says what to write
# there; kbcheck refuses to load the rule until none is left. Its test cases run with
# `kbcheck test FOLDER`. The rule language: `docs/rules.md` in kbcheck's repository, and the
# editor schema from `kbcheck schema rule`.
id: {id}
title: {title}
kb: {kb}
products: {products}
tags: [] # words for `kbcheck rules --tag`, e.g. [msmail, serial]
symptoms:
  - {symptoms}
cause: {cause}
resolution: {resolution}
references: {references}
# A check rule: fires on each selected entity where `when` holds. A rule about several
# entities together uses `group:` instead of `when:`; see the rule language.
select: {select}
when: {when}
severity: error # or warning, info, or a list of `{{when: ..., level: ...}}`, first match wins
message: {message}
tests:
  - name: fires on what the article describes
    topology:
      version: 1
      nodes:
        - {{id: FIRES, kind: {fires}}}
    expect: [{{entities: [FIRES]}}]
  - name: quiet on what the article does not describe
    topology:
      version: 1
      nodes:
        - {{id: QUIET, kind: {quiet}}}
    expect: []
"#,
        symptoms = fill(&from_sections(
            "what a user sees: error texts, event ids, in the article's words",
            &["SYMPTOMS", "SUMMARY"],
            article
        )),
        cause = fill(&from_sections(
            "why it happens",
            &["CAUSE", "MORE INFORMATION", "SUMMARY"],
            article
        )),
        resolution = fill(&from_sections(
            "what to do (shown under every finding)",
            &[
                "RESOLUTION",
                "WORKAROUND",
                "STATUS",
                "MORE INFORMATION",
                "SUMMARY"
            ],
            article
        )),
        select = fill("which entities the rule looks at, e.g. `{kind: postoffice}`"),
        when = fill(
            "when the rule fires on one of them, e.g. `{field: serial, equals: \"0799-99992\"}`"
        ),
        message = fill(
            "one line saying what is wrong, naming the entity, e.g. ``postoffice `{id}` has the invalid serial number 0799-99992``"
        ),
        fires = fill("the kind the rule selects, and the attributes that make it fire"),
        quiet = fill("the same kind, with attributes the rule must not fire on"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "DOCUMENT:Q151228  19-DEC-1999  [exchange]\n\
TITLE   :XFOR: Microsoft Mail Connector and Duplicate Serial Numbers\n\
PRODUCT :Microsoft Exchange\n\
PROD/VER:winnt:4.0,5.0,5.5\n\
OPER/SYS:\n\
KEYWORDS:kbusage exc4 exc5 exc55\n\
\n\
======================================================================\n\
-------------------------------------------------------------------------------\n\
The information in this article applies to:\n\
\n\
 - Microsoft Exchange Server, versions 5.5, 4.0, 5.0 \n\
 - Microsoft Mail for PC Networks, version 3.5\r\n\
-------------------------------------------------------------------------------\n\
\n\
SYMPTOMS\n\
========\n";

    #[test]
    fn an_article_header_gives_id_title_and_products() {
        let a = Article::parse(&SourceFile::new("Q151228.TXT", HEADER.to_owned())).unwrap();
        assert_eq!(
            a,
            Article {
                id: "Q151228".to_owned(),
                title: "XFOR: Microsoft Mail Connector and Duplicate Serial Numbers".to_owned(),
                products: vec![
                    "Microsoft Exchange Server, versions 5.5, 4.0, 5.0".to_owned(),
                    "Microsoft Mail for PC Networks, version 3.5".to_owned(),
                ],
                sections: vec!["SYMPTOMS".to_owned()],
            }
        );
        assert_eq!(
            a.references(),
            [
                "https://jeffpar.github.io/kbarchive/kb/151/Q151228/",
                "https://support.microsoft.com/kb/151228"
            ]
        );
        // Without the "applies to" list, the PRODUCT line.
        let short = HEADER.split("=====").next().unwrap();
        let a = Article::parse(&SourceFile::new("Q151228.TXT", short.to_owned())).unwrap();
        assert_eq!(a.products, ["Microsoft Exchange"]);
    }

    #[test]
    fn the_skeleton_names_the_sections_the_article_has() {
        // Q178163 has SYMPTOMS, WORKAROUND and STATUS: no CAUSE, no RESOLUTION.
        let text = HEADER.replace("SYMPTOMS\n========\n", "SYMPTOMS\n\nWORKAROUND\n\nSTATUS\n");
        let a = Article::parse(&SourceFile::new("Q178163.TXT", text)).unwrap();
        assert_eq!(a.sections, ["SYMPTOMS", "WORKAROUND", "STATUS"]);
        let rule = skeleton("KB-Q178163-X", Some(&a));
        assert!(
            rule.contains("resolution: \"FILL IN: what to do (shown under every finding), from the article's WORKAROUND section (it has no RESOLUTION; its sections: SYMPTOMS, WORKAROUND, STATUS)\""),
            "{rule}"
        );
        assert!(
            rule.contains("cause: \"FILL IN: why it happens (the article has no CAUSE section; its sections: SYMPTOMS, WORKAROUND, STATUS)\""),
            "{rule}"
        );
        assert!(
            rule.contains("from the article's SYMPTOMS section"),
            "{rule}"
        );
        // Without an article, the usual sections.
        let rule = skeleton("X", None);
        assert!(rule.contains("from the article's CAUSE section"), "{rule}");
        assert!(
            rule.contains("from the article's RESOLUTION section"),
            "{rule}"
        );
    }

    #[test]
    fn a_file_without_the_header_is_not_an_article() {
        for (text, says) in [
            ("# notes\nTITLE   :x\n", "no `DOCUMENT:Q...` line"),
            ("DOCUMENT:KB151228\nTITLE   :x\n", "no `DOCUMENT:Q...` line"),
            (
                "DOCUMENT:Q151228  19-DEC-1999\nTITLE   :\n",
                "no `TITLE   :` line",
            ),
        ] {
            let d = Article::parse(&SourceFile::new("notes.txt", text.to_owned())).unwrap_err();
            assert_eq!(d.code, "kbcheck::new::bad_kb_file");
            assert!(d.message.contains(says), "{}", d.message);
        }
    }
}
