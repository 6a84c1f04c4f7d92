//! Runs `extract_article` over the extraction dev set and writes one `<id>.txt` per page
//! for `score.py`.
//!
//! Usage: `cargo run --release --example score_extraction -- [DEV_DIR] [OUT_DIR]`
//! (defaults: `../shared/extraction-dev` and `target/score-dev`).
//! With `DUMP_FULL=1` it also writes `<id>.full`, every field of the result, for comparing
//! two builds. Only extraction is timed: reading, gunzip and writing are kept out of the figure so it
//! compares with the benchmark's pages/second column.

use std::{
    collections::HashMap,
    error::Error,
    fs,
    io::Read,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use redline::extract::extract_article;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dev = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "../shared/extraction-dev".into()),
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/score-dev".into()));
    fs::create_dir_all(&out)?;

    let urls = load_urls(&dev.join("ground-truth.json"))?;
    let fallback = url::Url::parse("https://example.com/")?;

    let mut pages: Vec<PathBuf> = fs::read_dir(dev.join("html"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    pages.sort();

    let (mut with_update_line, mut with_credit, mut with_notice) = (0usize, 0usize, 0usize);
    let (mut spent, mut failed, mut with_modified, mut with_published) =
        (Duration::ZERO, 0usize, 0usize, 0usize);
    for path in &pages {
        let id = page_id(path);
        let html = gunzip(path)?;
        let page_url = urls.get(&id).unwrap_or(&fallback);

        let start = Instant::now();
        let result = extract_article(&html, page_url);
        spent += start.elapsed();

        let text = match result {
            Ok(a) => {
                // Every field, to diff two builds' output byte for byte.
                if std::env::var_os("DUMP_FULL").is_some() {
                    fs::write(out.join(format!("{id}.full")), format!("{a:#?}"))?;
                }
                with_modified += usize::from(a.modified.is_some());
                with_update_line += usize::from(a.update_line.is_some());
                with_credit += usize::from(a.credit.is_some());
                with_notice += usize::from(a.notice.is_some());
                if std::env::var_os("SHOW_FURNITURE").is_some() {
                    println!(
                        "{}\tcredit={:?}\tnotice={:?}",
                        &id[..10],
                        a.credit,
                        a.notice
                    );
                }
                if std::env::var_os("SHOW_UPDATE_LINES").is_some() {
                    println!("{:?}", a.update_line);
                }
                if std::env::var_os("SHOW_META").is_some() {
                    eprintln!(
                        "{}\tmod={:?}\tpub={:?}\tby={:?}\ttitle={:?}",
                        &id[..10],
                        a.modified,
                        a.published,
                        a.byline,
                        a.title
                    );
                }
                with_published += usize::from(a.published.is_some());
                a.paragraphs.join("\n\n")
            }
            Err(e) => {
                eprintln!("{id}: {e}");
                failed += 1;
                String::new()
            }
        };
        fs::write(out.join(format!("{id}.txt")), text)?;
    }

    let n = pages.len();
    println!(
        "{n} pages, {failed} errors, extraction {:.1} ms total, {:.0} pages/s",
        spent.as_secs_f64() * 1e3,
        n as f64 / spent.as_secs_f64().max(1e-9)
    );
    println!(
        "modified stamp on {with_modified}/{n}, published on {with_published}/{n}, visible update line on {with_update_line}/{n}, credit line on {with_credit}/{n}, notice on {with_notice}/{n}"
    );
    println!(
        "score with: python3 {}/score.py {}",
        dev.display(),
        out.display()
    );
    Ok(())
}

fn page_id(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    name.unwrap_or_default()
        .trim_end_matches(".html.gz")
        .to_owned()
}

fn gunzip(path: &Path) -> Result<String, Box<dyn Error>> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(fs::File::open(path)?).read_to_end(&mut bytes)?;
    // The pages are meant to be UTF-8; a stray bad byte should not drop the whole page.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn load_urls(path: &Path) -> Result<HashMap<String, url::Url>, Box<dyn Error>> {
    let truth: serde_json::Value = serde_json::from_slice(&fs::read(path)?)?;
    let mut urls = HashMap::new();
    if let Some(map) = truth.as_object() {
        for (id, entry) in map {
            if let Some(u) = entry.get("url").and_then(|u| u.as_str())
                && let Ok(u) = url::Url::parse(u)
            {
                urls.insert(id.clone(), u);
            }
        }
    }
    Ok(urls)
}
