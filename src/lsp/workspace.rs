//! The workspace: its `kbcheck.yaml`, the rules and vocabulary it loads, its waivers.
//!
//! Loaded as `kbcheck check` loads them ([`crate::config::rule_sources`], the rule
//! loader, the waivers loader), from the workspace root the editor names. A workspace whose
//! config, rules or waivers do not load keeps their diagnostics in [`Workspace::problems`]
//! (the server shows them on those files) and checks with the bundled rules meanwhile.

use crate::config::{self, Config};
use crate::date::Date;
use crate::diagnostic::Diags;
use crate::lang::RuleSet;
use crate::lang::load::{RuleSources, load};
use crate::limits::Limits;
use crate::waivers::Waivers;
use std::path::{Path, PathBuf};

/// What every check in the workspace uses.
#[derive(Debug)]
pub struct Workspace {
    /// The folder the editor opened (where `kbcheck.yaml` is looked for).
    pub root: Option<PathBuf>,
    pub config: Option<Config>,
    /// Where the rules come from (the config's `rules` and `no-default-rules`).
    pub sources: RuleSources,
    pub set: RuleSet,
    pub waivers: Option<Waivers>,
    /// The date waivers expire against (`$KBCHECK_TODAY`, else the system date).
    pub today: Date,
    /// Problems loading the config, the rules or the waivers.
    pub problems: Diags,
    /// Whether `set` is the bundled rules only, because the workspace's did not load.
    pub fallback: bool,
}

impl Workspace {
    /// Load the workspace at `root` (or the bundled rules alone, without a root).
    pub fn load(root: Option<&Path>) -> Workspace {
        let mut problems = Diags::default();
        // As `check` finds it: in the root, else in a folder above up to the repository's.
        let config = root
            .and_then(|r| config::discover_from(r).map(|p| r.join(p)))
            .and_then(|p| match config::load(&p) {
                Ok(c) => Some(c),
                Err(d) => {
                    problems.extend(d);
                    None
                }
            });
        let sources = config::rule_sources(config.as_ref(), &[], &[], None);
        let limits = Limits::default();
        let (mut set, fallback) = match load(&sources, &limits) {
            Ok(set) => (set, false),
            Err(d) => {
                problems.extend(d);
                let bundled = RuleSources {
                    bundled: true,
                    paths: Vec::new(),
                };
                (load(&bundled, &limits).unwrap_or_default(), true)
            }
        };
        set.vocab.strict = config.as_ref().and_then(|c| c.strict).unwrap_or(false);
        let waivers = config
            .as_ref()
            .and_then(|c| c.waivers.as_ref())
            .and_then(|p| match crate::waivers::load(p, &set) {
                Ok(w) => Some(w),
                Err(d) => {
                    problems.extend(d);
                    None
                }
            });
        let today = crate::waivers::today(None).unwrap_or_else(|_| Date::system_today());
        // Rules compare dates with the same "today" as `kbcheck check`.
        set.today = Some(today);
        Workspace {
            root: root.map(Path::to_path_buf),
            config,
            sources,
            set,
            waivers,
            today,
            problems,
            fallback,
        }
    }

    /// Whether saving `path` changes what the workspace loads: its config, a rule,
    /// vocabulary or pack file it reads, or its waivers.
    pub fn depends_on(&self, path: &Path) -> bool {
        let path = &canonical(path);
        let same = |p: &Path| same_path(p, path);
        if path.file_name().is_some_and(|n| n == config::FILE_NAME) {
            return true;
        }
        if self
            .config
            .as_ref()
            .and_then(|c| c.waivers.as_deref())
            .is_some_and(same)
        {
            return true;
        }
        self.sources.paths.iter().any(|p| {
            let p = Path::new(p);
            same(p) || p.is_dir() && path.starts_with(canonical(p))
        }) || self
            .set
            .rules
            .iter()
            .any(|r| same(Path::new(r.file.name())))
    }

    /// Whether `path` lies in a folder the workspace loads rules from.
    pub fn in_rules_folder(&self, path: &Path) -> bool {
        let path = canonical(path);
        self.sources.paths.iter().any(|p| {
            let p = Path::new(p);
            p.is_dir() && path.starts_with(canonical(p))
        })
    }
}

/// A path with links and `..` resolved, when it exists.
pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Whether two paths name the same file.
pub fn same_path(a: &Path, b: &Path) -> bool {
    a == b || canonical(a) == canonical(b)
}
