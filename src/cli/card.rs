//! `card`: a PNG of the change between two stored versions, and its alt text.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::Env;
use super::output::{outln, print_json, sanitize};
use crate::card::{self, CardInput};
use crate::store::feeds;

#[derive(serde::Serialize)]
struct CardReport<'a> {
    path: String,
    width: u32,
    height: u32,
    alt: &'a str,
}

pub fn card(
    env: &Env,
    key: &str,
    from: Option<i64>,
    to: Option<i64>,
    output: &Path,
    alt_file: Option<&Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let (article, old, new) = super::diff::resolve_versions(&store, key, from, to)?;
    let feed = store.read(|c| feeds::get(c, article.feed_id))?;
    // A page watched without a feed has no outlet title of its own: its host stands in.
    let feed_title = feed
        .as_ref()
        .filter(|f| f.source != "page")
        .and_then(|f| f.title.as_deref());
    let input = CardInput::from_versions(&card::outlet_name(feed_title, &new.url), &old, &new);
    let rendered = card::render(&input).context("rendering the card")?;
    write_file(output, &rendered.png)?;
    if let Some(path) = alt_file {
        write_file(path, rendered.alt.as_bytes())?;
    }
    if json {
        print_json(&CardReport {
            path: output.display().to_string(),
            width: rendered.width,
            height: rendered.height,
            alt: &rendered.alt,
        })?;
    } else if alt_file.is_none() {
        // The alt text is web text: nothing in it reaches the terminal unsanitised.
        outln!("{}", sanitize(&rendered.alt));
    } else {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "wrote {} ({}x{}) and its alt text to {}",
            output.display(),
            rendered.width,
            rendered.height,
            alt_file
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes through a temporary file beside the target, so a reader never sees half a PNG.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("writing {}", path.display())
    })
}
