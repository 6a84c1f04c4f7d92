//! Dumps everything the diff and the claim engine say about a set of version pairs, so a
//! change meant to be only faster can be checked to give byte-identical output.
//!
//! Usage: `cargo run --example dump_claims -- [--pairs STORIES.jsonl] [DIR_WITH_v1_v2 …]`
//! Each story's consecutive versions (as `score_claims` reads them) and each directory's
//! `v1.txt`/`v2.txt` (or `article-v1.txt`/`article-v2.txt`) go through `version::analyze`
//! both ways round; the revision, claim changes (all fields), the change record and the
//! simplifications are printed, one pair a block.

use redline::normalize::{Snapshot, TextSource};
use redline::version::analyze;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Story {
    article_id: String,
    versions: Vec<StoryVersion>,
}

#[derive(Deserialize)]
struct StoryVersion {
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

fn paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn dump(label: &str, old: &Snapshot, new: &Snapshot) -> anyhow::Result<()> {
    let cosmetic = old.hash() != new.hash() && old.typo_hash() == new.typo_hash();
    let a = analyze(old.into(), new.into(), cosmetic);
    println!("== {label}");
    println!("revision {}", serde_json::to_string(&a.revision)?);
    println!("claims {}", serde_json::to_string(&a.claims)?);
    println!("change {:?}", a.change);
    println!("simplified {:?}", a.simplified);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--pairs" {
            let path = args
                .next()
                .ok_or_else(|| anyhow::anyhow!("--pairs needs a file"))?;
            for (n, line) in std::fs::read_to_string(&path)?.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let story: Story = serde_json::from_str(line)
                    .map_err(|e| anyhow::anyhow!("{path}:{}: {e}", n + 1))?;
                let snaps: Vec<Snapshot> = story
                    .versions
                    .iter()
                    .map(|v| {
                        let paras = paragraphs(&v.text);
                        Snapshot::new(&v.title, None, "", &paras, TextSource::Feed)
                    })
                    .collect();
                for (i, w) in snaps.windows(2).enumerate() {
                    dump(&format!("{}#{i}", story.article_id), &w[0], &w[1])?;
                    dump(&format!("{}#{i} reversed", story.article_id), &w[1], &w[0])?;
                }
            }
        } else {
            let dir = Path::new(&arg);
            let read = |a: &str, b: &str| {
                std::fs::read_to_string(dir.join(a))
                    .or_else(|_| std::fs::read_to_string(dir.join(b)))
            };
            let (v1, v2) = (
                read("v1.txt", "article-v1.txt")?,
                read("v2.txt", "article-v2.txt")?,
            );
            let snap = |t: &str| Snapshot::new("", None, "", &paragraphs(t), TextSource::Page);
            let (a, b) = (snap(&v1), snap(&v2));
            dump(&arg, &a, &b)?;
            dump(&format!("{arg} reversed"), &b, &a)?;
        }
    }
    Ok(())
}
