//! An Atom 1.0 file of the latest changes for one alert, rewritten atomically (temp file in
//! the same directory, then rename) so a feed reader never sees half a file. Every piece of
//! web text is XML-escaped.

use std::io::Write;
use std::path::Path;

use super::SinkError;
use super::payload::{ChangeData, change_text, parse_change};
use crate::store::{Store, outbox};

pub async fn write(
    store: &Store,
    alert: &str,
    path: &Path,
    max_entries: usize,
) -> Result<(), SinkError> {
    let store = store.clone();
    let alert = alert.to_string();
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || write_blocking(&store, &alert, &path, max_entries))
        .await
        .map_err(|e| SinkError::Payload(e.to_string()))?
}

fn write_blocking(
    store: &Store,
    alert: &str,
    path: &Path,
    max_entries: usize,
) -> Result<(), SinkError> {
    let err = |detail: String| SinkError::Atom {
        path: path.display().to_string(),
        detail,
    };
    let rows = store
        .read(|c| outbox::recent_payloads(c, alert, max_entries as i64))
        .map_err(|e| err(e.to_string()))?;
    let mut entries: Vec<ChangeData> = rows
        .iter()
        .filter_map(|(_, p)| parse_change(p).ok())
        .collect();
    // Captures finish after the alert was written: their links are read now.
    store
        .read(|c| {
            for e in &mut entries {
                super::archive::fill_links(c, e)?;
            }
            Ok(())
        })
        .map_err(|e| err(e.to_string()))?;
    let xml = render(alert, &entries);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("redline.xml"),
        std::process::id()
    ));
    let mut f = std::fs::File::create(&tmp).map_err(|e| err(e.to_string()))?;
    f.write_all(xml.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| err(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// Escapes text for XML content and attributes, dropping characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(alert: &str, entries: &[ChangeData]) -> String {
    let updated = entries
        .first()
        .map(|e| e.detected_at.clone())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  \
         <title>redline: {a}</title>\n  <id>urn:redline:alert:{a}</id>\n  <updated>{u}</updated>\n  \
         <generator>redline</generator>\n",
        a = escape(alert),
        u = escape(&updated)
    );
    for e in entries {
        let notices = e.notices.iter().map(|n| match n.change {
            crate::notices::NoticeChange::Added => format!("notice added: {}", n.text),
            crate::notices::NoticeChange::Removed => format!("notice removed: {}", n.text),
        });
        let summary = if e.claim_changes.is_empty() {
            std::iter::once(e.event.clone())
                .chain(notices)
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            e.claim_changes
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} → {}",
                        c.kind.as_str(),
                        c.before.as_deref().unwrap_or("—"),
                        c.after.as_deref().unwrap_or("—")
                    )
                })
                .chain(notices)
                .collect::<Vec<_>>()
                .join("; ")
        };
        xml.push_str(&format!(
            "  <entry>\n    <title>{title}</title>\n    <id>urn:redline:{id}</id>\n    \
             <updated>{at}</updated>\n    <link rel=\"alternate\" href=\"{link}\"/>\n{archive}    \
             <author><name>{feed}</name></author>\n    <summary>{summary}</summary>\n    \
             <content type=\"text\">{content}</content>\n  </entry>\n",
            title = escape(&format!(
                "{}{}{}",
                if e.stealth { "[stealth] " } else { "" },
                if e.silent { "[silent] " } else { "" },
                e.article.title
            )),
            // A sample from `alerts test` has no change behind it; its own id keeps two
            // samples apart (it only ever lands in a temporary file).
            id = if e.test {
                format!("test:{}", escape(&e.detected_at))
            } else {
                format!("change:{}", e.change_id)
            },
            at = escape(&e.detected_at),
            link = escape(&e.links.article),
            archive = [
                ("archived copy", &e.links.archive),
                ("archived copy before the change", &e.links.archive_before),
                ("archive comparison", &e.links.archive_diff),
            ]
            .iter()
            .filter_map(|(t, l)| {
                l.as_ref().map(|l| {
                    format!(
                        "    <link rel=\"related\" title=\"{}\" href=\"{}\"/>\n",
                        escape(t),
                        escape(l)
                    )
                })
            })
            .collect::<String>(),
            feed = escape(e.feed.name.as_deref().unwrap_or(&e.feed.url)),
            summary = escape(&summary),
            content = escape(&change_text(e)),
        ));
    }
    xml.push_str("</feed>\n");
    xml
}
