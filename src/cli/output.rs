//! Rendering for the terminal and for `--json`. Text from the web is hostile: before it
//! reaches a terminal, escape sequences and control characters are stripped.

use std::io::Write;

/// `println!` that returns the error instead of panicking, so `redline log | head` ends
/// quietly (main treats a broken pipe as success).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}
pub(crate) use outln;

use chrono::{DateTime, Local, TimeZone, Utc};

/// Removes terminal escape sequences (CSI, OSC, other ESC sequences), C0/C1 control characters
/// other than newline and tab, and bidirectional overrides that can disguise text.
pub fn sanitize(text: &str) -> String {
    crate::text_safety::strip_terminal_sequences(text)
        .chars()
        .filter(|&c| {
            matches!(c, '\n' | '\t') || !(c.is_control() || crate::text_safety::is_bidi_control(c))
        })
        .collect()
}

/// `--offset` / `--limit` of a listing. Every listing takes both; each has its own default
/// limit.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct Page {
    /// Skip this many rows first (the next page starts at the previous --offset + --limit).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
    pub offset: i64,
    /// At most this many rows (default: 50 articles, 200 log lines and deliveries, every
    /// version and feed).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: Option<i64>,
}

impl Page {
    pub fn limit_or(&self, default: i64) -> i64 {
        self.limit.unwrap_or(default)
    }

    /// This page of rows already in memory (`default` limit when none was given; `None`: all).
    pub fn slice<T>(&self, rows: Vec<T>, default: Option<i64>) -> Vec<T> {
        let take = self
            .limit
            .or(default)
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(usize::MAX);
        rows.into_iter()
            .skip(usize::try_from(self.offset).unwrap_or(0))
            .take(take)
            .collect()
    }

    /// The line that tells how to see the next page, when there is one.
    pub fn next_hint(&self, shown: usize) -> String {
        format!(
            "… more: --offset {}{}",
            self.offset + shown as i64,
            self.limit
                .map(|l| format!(" --limit {l}"))
                .unwrap_or_default()
        )
    }
}

/// Writes a JSON value followed by a newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A unix time as local "YYYY-MM-DD HH:MM".
pub fn time(ts: i64) -> String {
    match Local.timestamp_opt(ts, 0).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => ts.to_string(),
    }
}

/// A unix time as RFC 3339 UTC, for JSON.
pub fn rfc3339(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Shortens a line to `max` characters for tables.
pub fn clip(text: &str, max: usize) -> String {
    let clean = sanitize(text).replace(['\n', '\t'], " ");
    if clean.chars().count() <= max {
        clean
    } else {
        let mut s: String = clean.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_stripped() {
        let hostile = "Minister \u{1b}[2J\u{1b}[31mresigns\u{1b}]0;pwned\u{7} today\u{202E}\u{9b}";
        assert_eq!(sanitize(hostile), "Minister resigns today");
        assert_eq!(sanitize("line one\nline\ttwo"), "line one\nline\ttwo");
    }
}
