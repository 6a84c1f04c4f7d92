//! Run a command (argv, never a shell) with the JSON payload on stdin. A non-zero exit or a
//! timeout is a failed delivery.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::SinkError;
use super::payload::Delivery;

pub async fn send(
    command: &[String],
    timeout: Duration,
    alert: &str,
    delivery: &Delivery,
) -> Result<(), SinkError> {
    let shown = command.join(" ");
    let err = |detail: String| SinkError::Exec {
        command: shown.clone(),
        detail,
    };
    let (program, args) = command
        .split_first()
        .ok_or_else(|| err("empty command".into()))?;
    let first = delivery.changes().first().map(|c| (*c).clone());
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .env("REDLINE_EVENT", delivery.event())
        .env("REDLINE_ALERT", alert);
    if let Some(c) = &first {
        cmd.env("REDLINE_CHANGE_ID", c.change_id.to_string())
            .env("REDLINE_ARTICLE_URL", &c.article.url)
            .env(
                "REDLINE_FEED",
                c.feed.name.as_deref().unwrap_or(&c.feed.url),
            );
    }
    let mut child = cmd.spawn().map_err(|e| err(format!("cannot start: {e}")))?;
    let body = delivery.to_json();
    let run = async {
        if let Some(mut stdin) = child.stdin.take() {
            // A command that ignores stdin closes the pipe early; that is its choice, not an error.
            let _ = stdin.write_all(body.as_bytes()).await;
            drop(stdin);
        }
        child.wait_with_output().await
    };
    let output = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| {
            err(format!(
                "timed out after {}s and was killed",
                timeout.as_secs()
            ))
        })?
        .map_err(|e| err(e.to_string()))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String = stderr
            .chars()
            .rev()
            .take(300)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Err(err(format!(
            "exited with {}: {}",
            output.status,
            tail.trim()
        )))
    }
}
