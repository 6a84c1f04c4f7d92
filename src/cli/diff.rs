//! `diff` (two stored versions) and `compare` (two local files): the claim changes first, then
//! the text diff in the chosen format.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::Env;
use super::articles::find_article;
use super::output::{print_json, sanitize, time};
use crate::claims::ClaimChange;
use crate::diff;
use crate::extract::extract_article;
use crate::ids;
use crate::normalize::{Snapshot, TextSource, normalize_paragraphs, split_blank_lines};
use crate::payload::{
    DIFF_SCHEMA, DIFF_SCHEMA_MINOR, DIFF_SCHEMA_VERSION, DiffReport, SentenceCounts, Side,
};
use crate::store::articles;
use crate::version::{VersionView, analyze};

/// Files larger than this are refused by `compare`.
const MAX_COMPARE_FILE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Inline word diff of every edited sentence, with context.
    Words,
    /// One line per sentence operation (added, removed, edited, moved).
    Sentences,
    /// Classic unified diff of the paragraphs.
    Unified,
    /// The versioned `redline.diff` JSON document.
    Json,
}

/// How much of the text `diff` and `compare` show, and where.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DiffView {
    /// Unchanged sentences shown before and after each change (words, sentences and unified
    /// formats).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONTEXT)]
    pub context: usize,
    /// The whole text, changed or not (a headline-only change too).
    #[arg(long, conflicts_with = "context")]
    pub full: bool,
    /// Print straight to stdout, never through $PAGER (output into a pipe or file never is).
    #[arg(long)]
    pub no_pager: bool,
}

/// One sentence before and one after an edit: enough to read it, short enough to scan.
pub const DEFAULT_CONTEXT: usize = 1;

impl DiffView {
    fn context(&self) -> Option<usize> {
        (!self.full).then_some(self.context)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// `auto` colours only a terminal, and never when NO_COLOR is set (no-color.org).
    pub fn enabled(self) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

pub fn diff_article(
    env: &Env,
    key: &str,
    from: Option<i64>,
    to: Option<i64>,
    format: DiffFormat,
    color: ColorChoice,
    view: &DiffView,
) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let (article, old, new) = resolve_versions(&store, key, from, to)?;
    let archive = store
        .read(|c| crate::alert::archive::links(c, article.id, Some(old.seq), Some(new.seq)))?;
    let header = format!(
        "article {} · v{} ({}) → v{} ({})",
        ids::article(article.id),
        old.seq,
        time(old.fetched_at),
        new.seq,
        time(new.fetched_at)
    );
    print_diff(
        &header,
        (&old).into(),
        (&new).into(),
        // Cosmetic between these two versions, not between the last one and its predecessor.
        old.hash != new.hash && old.typo_hash == new.typo_hash,
        (format!("v{}", old.seq), format!("v{}", new.seq)),
        Some([&old, &new]),
        &archive,
        format,
        color,
        view,
    )
}

/// The article `key` names and the two versions to compare: `--to` (or the version in
/// `a42v3`, or the latest) and `--from` (default: the one before). Shared by `diff` and `card`.
pub(super) fn resolve_versions(
    store: &crate::store::Store,
    key: &str,
    from: Option<i64>,
    to: Option<i64>,
) -> anyhow::Result<(articles::ArticleRow, articles::Version, articles::Version)> {
    let article = find_article(store, key)?;
    let latest = store
        .read(|c| articles::latest_version(c, article.id))?
        .with_context(|| {
            format!(
                "article {} has no stored version yet",
                ids::article(article.id)
            )
        })?;
    // `a42v3` names the change that made v3.
    let to = match (to, crate::ids::parse_article(key).and_then(|(_, v)| v)) {
        (Some(t), Some(v)) if t != v => {
            bail!("`{key}` names version {v} but --to says {t}; give one of them")
        }
        (t, v) => t.or(v).unwrap_or(latest.seq),
    };
    let from = from.unwrap_or(to - 1);
    if latest.seq == 1 {
        bail!(
            "article {} has only one version so far: nothing to compare yet (`redline show {}` prints it)",
            ids::article(article.id),
            ids::article(article.id)
        );
    }
    if from < 1 || from >= to {
        bail!(
            "article {} has versions 1 to {}; choose --from N --to M with N < M",
            ids::article(article.id),
            latest.seq
        );
    }
    let get = |seq: i64| {
        store
            .read(|c| articles::version(c, article.id, seq))?
            .with_context(|| {
                format!(
                    "article {} has no version {seq} (latest is {})",
                    ids::article(article.id),
                    latest.seq
                )
            })
    };
    let (old, new) = (get(from)?, get(to)?);
    Ok((article, old, new))
}

pub fn compare_files(
    old: &Path,
    new: &Path,
    format: DiffFormat,
    color: ColorChoice,
    view: &DiffView,
) -> anyhow::Result<ExitCode> {
    let a = read_side(old)?;
    let b = read_side(new)?;
    let cosmetic = a.hash() != b.hash() && a.typo_hash() == b.typo_hash();
    let header = format!("{} → {}", old.display(), new.display());
    print_diff(
        &header,
        (&a).into(),
        (&b).into(),
        cosmetic,
        (old.display().to_string(), new.display().to_string()),
        None,
        &crate::alert::archive::ArchiveLinks::default(),
        format,
        color,
        view,
    )
}

/// Reads a local file as a version: HTML goes through the same extraction as fetched pages;
/// plain text has the title on its first line, a blank line, then the body.
fn read_side(path: &Path) -> anyhow::Result<Snapshot> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > MAX_COMPARE_FILE {
        bail!("{} is larger than {MAX_COMPARE_FILE} bytes", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = crate::fetch::decode_html(&bytes, None);
    let trimmed = text.trim_start();
    let head: String = trimmed
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    let is_html =
        head.starts_with('<') && (head.contains("<html") || head.starts_with("<!doctype"));
    let url = format!("file://{}", path.display());
    if is_html {
        let page_url = url::Url::parse("https://localhost/").context("base URL")?;
        let x = extract_article(&text, &page_url)
            .with_context(|| format!("extracting the article from {}", path.display()))?;
        return Ok(Snapshot::from_extracted(x, &url));
    }
    let (title, body) = match text.split_once('\n') {
        Some((t, rest)) => (t, rest),
        None => (text.as_str(), ""),
    };
    let paragraphs: Vec<String> = split_blank_lines(body)
        .into_iter()
        .map(String::from)
        .collect();
    // A text file carries the same furniture as a page or a feed ("Updated 14:05", "By …"):
    // taken out the same way, so `compare` reports what `diff` would.
    let (paragraphs, furniture, notice) = crate::stamps::split_furniture(paragraphs);
    let mut snapshot = Snapshot::new(
        title,
        furniture.byline.as_deref(),
        &url,
        &paragraphs,
        TextSource::Feed,
    );
    snapshot.stamps.update_line = furniture.update_line;
    snapshot.stamps.notice = notice;
    Ok(snapshot)
}

/// A side of the diff document, with its ids and fetch time when it is a stored version.
fn side(label: String, view: VersionView<'_>, stored: Option<&articles::Version>) -> Side {
    let mut side = Side::new(label, view);
    if let Some(v) = stored {
        side.reference = Some(ids::version(v.article_id, v.seq));
        side.article_id = Some(v.article_id);
        side.seq = Some(v.seq);
        side.fetched_at = Some(super::output::rfc3339(v.fetched_at));
    }
    side
}

#[allow(clippy::too_many_arguments)]
fn print_diff(
    header: &str,
    old: VersionView<'_>,
    new: VersionView<'_>,
    cosmetic: bool,
    labels: (String, String),
    stored: Option<[&articles::Version; 2]>,
    archive: &crate::alert::archive::ArchiveLinks,
    format: DiffFormat,
    color: ColorChoice,
    view: &DiffView,
) -> anyhow::Result<ExitCode> {
    // Web text is sanitised before it is diffed, so nothing hostile reaches the terminal
    // and the diff shows what is printed.
    let (old_title, new_title) = (sanitize(old.title), sanitize(new.title));
    let (old_body, new_body) = (sanitize_body(old.body), sanitize_body(new.body));
    let old = VersionView {
        title: &old_title,
        body: &old_body,
        ..old
    };
    let new = VersionView {
        title: &new_title,
        body: &new_body,
        ..new
    };
    let analysis = analyze(old, new, cosmetic);
    if format == DiffFormat::Json {
        let report = DiffReport {
            schema: DIFF_SCHEMA,
            version: DIFF_SCHEMA_VERSION,
            minor: DIFF_SCHEMA_MINOR,
            old: Side {
                archive: archive.before.clone(),
                ..side(labels.0, old, stored.map(|s| s[0]))
            },
            new: Side {
                archive: archive.after.clone(),
                ..side(labels.1, new, stored.map(|s| s[1]))
            },
            title_changed: analysis.title_changed(),
            fields_changed: analysis
                .change
                .fields
                .iter()
                .map(|f| f.to_string())
                .collect(),
            cosmetic,
            stealth: analysis.change.stealth,
            stealth_evidence: analysis.change.evidence.clone(),
            sentences: SentenceCounts::of(&analysis.revision),
            claim_changes: analysis.claims,
            notices: analysis.change.notices,
            silent: analysis.change.silent,
            ops: analysis.revision,
            simplified: !analysis.simplified.is_empty(),
            simplified_reasons: analysis.simplified.iter().map(|s| s.to_string()).collect(),
            archive_diff: archive.diff.clone(),
        };
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let color = color.enabled();
    let paint = |code: &str, s: &str| {
        if color {
            format!("\u{1b}[{code}m{s}\u{1b}[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    out.push_str(&paint("1", header));
    out.push('\n');
    let mut flags: Vec<String> = Vec::new();
    // Two local files carry no HTTP or feed stamps, so "stealth" would claim more than
    // `compare` can know; it says what the files themselves show.
    if analysis.change.stealth && stored.is_none() {
        flags.push(
            "unacknowledged in these files: no update stamp or correction notice changed \
             (local files carry no HTTP or feed stamps)"
                .into(),
        );
    } else if analysis.change.stealth {
        flags.push(
            "STEALTH: text changed; no update stamp, Last-Modified or correction notice did".into(),
        );
    }
    if let Some(e) = analysis.change.evidence.as_ref().filter(|_| !cosmetic) {
        flags.push(format!("evidence: {}", sanitize(&e.summary())));
    }
    if analysis.change.silent {
        flags.push(
            "SILENT: claims changed and no correction, update or editor's notice was added".into(),
        );
    }
    if cosmetic {
        flags.push("cosmetic only (typography)".into());
    }
    for f in flags {
        out.push_str(&paint("33", &f));
        out.push('\n');
    }
    for (what, link) in [
        ("archived before", &archive.before),
        ("archived after ", &archive.after),
        ("archive diff   ", &archive.diff),
    ] {
        if let Some(l) = link {
            out.push_str(&format!("{what}: {}\n", sanitize(l)));
        }
    }
    for reason in &analysis.simplified {
        out.push_str(&paint("33", &format!("SIMPLIFIED DIFF: {reason}")));
        out.push('\n');
    }
    if analysis.title_changed() {
        out.push_str(&format!(
            "title: {} → {}\n",
            paint("31", old.title),
            paint("32", new.title)
        ));
    }
    // A headline-only change is the headline: the text around it is not news.
    let body_same = analysis
        .revision
        .ops
        .iter()
        .all(|op| matches!(op, diff::SentenceOp::Same { .. }));
    if body_same && analysis.title_changed() && !view.full {
        if !analysis.claims.is_empty() {
            out.push_str(&render_claims(&analysis.claims, &paint));
        }
        out.push_str(&render_notices(&analysis.change.notices, &paint));
        out.push_str(&format!(
            "text unchanged ({} sentences; --full shows it)\n",
            analysis.revision.ops.len()
        ));
        super::pager::print_paged(&out, !view.no_pager)?;
        return Ok(ExitCode::SUCCESS);
    }
    out.push_str(&render_claims(&analysis.claims, &paint));
    out.push_str(&render_notices(&analysis.change.notices, &paint));
    let counts = SentenceCounts::of(&analysis.revision);
    out.push_str(&format!(
        "sentences: {} edited, {} added, {} removed, {} moved\n\n",
        counts.edited, counts.added, counts.removed, counts.moved
    ));
    let context = view.context();
    let rev = &analysis.revision;
    match format {
        DiffFormat::Words => out.push_str(&diff::render_in_context(
            rev,
            diff::Layout::Words,
            color,
            context,
        )),
        DiffFormat::Sentences => out.push_str(&diff::render_in_context(
            rev,
            diff::Layout::Sentences,
            color,
            context,
        )),
        DiffFormat::Unified => out.push_str(&diff::render_unified_context(
            old.body,
            new.body,
            // --full: every sentence is within reach of a hunk.
            context.unwrap_or(rev.ops.len() + 1),
        )),
        DiffFormat::Json => {}
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    super::pager::print_paged(&out, !view.no_pager)?;
    Ok(ExitCode::SUCCESS)
}

fn sanitize_body(body: &str) -> String {
    normalize_paragraphs(split_blank_lines(&sanitize(body)))
}

/// The claim changes, one per line, then the sentences they come from.
pub fn render_claims(claims: &[ClaimChange], paint: &dyn Fn(&str, &str) -> String) -> String {
    if claims.is_empty() {
        return "claim changes: none\n".to_string();
    }
    let mut out = format!("claim changes ({}):\n", claims.len());
    for c in claims {
        let before = c
            .before
            .as_deref()
            .map(|b| paint("31", b))
            .unwrap_or_else(|| "—".into());
        let after = c
            .after
            .as_deref()
            .map(|a| paint("32", a))
            .unwrap_or_else(|| "—".into());
        out.push_str(&format!("  {:<20} {before} → {after}\n", c.kind.as_str()));
        if let Some(s) = &c.before_sentence {
            out.push_str(&format!("      - {s}\n"));
        }
        if let Some(s) = &c.after_sentence {
            out.push_str(&format!("      + {s}\n"));
        }
    }
    out
}

/// The notices that appeared or disappeared, one per line; nothing when there are none.
pub fn render_notices(
    notices: &[crate::notices::Notice],
    paint: &dyn Fn(&str, &str) -> String,
) -> String {
    let mut out = String::new();
    for n in notices {
        let line = match n.change {
            crate::notices::NoticeChange::Added => {
                paint("32", &format!("notice added: {}", sanitize(&n.text)))
            }
            crate::notices::NoticeChange::Removed => {
                paint("31", &format!("notice removed: {}", sanitize(&n.text)))
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}
