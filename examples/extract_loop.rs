//! Extracts one saved page N times, for stable instruction counts under
//! `valgrind --tool=callgrind` (BENCHMARKS.md, "Extraction cost per page").
//!
//! Usage: `cargo run --release --example extract_loop -- PAGE.html[.gz] [N] [URL]`

use std::{error::Error, fs, io::Read};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: extract_loop PAGE [N] [URL]")?;
    let n: usize = args.next().map_or(Ok(10), |s| s.parse())?;
    let url = url::Url::parse(&args.next().unwrap_or_else(|| "https://example.com/".into()))?;
    let mut bytes = fs::read(&path)?;
    if path.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
        bytes = out;
    }
    let html = String::from_utf8_lossy(&bytes);
    let mut chars = 0;
    for _ in 0..n {
        let x = redline::extract::extract_article(&html, &url)?;
        chars += x.paragraphs.iter().map(String::len).sum::<usize>();
    }
    println!("{n} extractions, {chars} bytes of text");
    Ok(())
}
