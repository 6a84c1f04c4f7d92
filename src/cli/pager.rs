//! Long output on a terminal goes through `$PAGER` (default `less -R`), as git does: only when
//! stdout is a terminal (never into a pipe or a file), never with `--no-pager`, and straight
//! to stdout when the pager cannot be started. `LESS` defaults to `FRX`: quit when it fits on
//! one screen, pass colours, leave the text on the screen afterwards.

use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};

/// The pager when `$PAGER` is unset or empty.
pub const DEFAULT_PAGER: &str = "less -R";

/// `LESS` when unset: F quits at once when the text fits one screen, R passes colours, X does
/// not clear the screen on exit.
pub const DEFAULT_LESS: &str = "FRX";

/// The pager's argv, or `None` when paging is off (`PAGER=cat` pages nothing).
fn pager_argv() -> Option<Vec<String>> {
    let spec = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PAGER.to_string());
    // Split on whitespace, no shell: `$PAGER` is "less -R", not a script.
    let argv: Vec<String> = spec.split_whitespace().map(String::from).collect();
    match argv.first().map(String::as_str) {
        None | Some("cat") => None,
        Some(_) => Some(argv),
    }
}

/// Prints `text`, through the pager when `allowed` and stdout is a terminal.
pub fn print_paged(text: &str, allowed: bool) -> anyhow::Result<()> {
    if allowed
        && std::io::stdout().is_terminal()
        && let Some(argv) = pager_argv()
        && page(&argv, text)
    {
        return Ok(());
    }
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// Runs the pager on `text`; false when it could not be started (the caller prints instead).
fn page(argv: &[String], text: &str) -> bool {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        cmd.env("LESS", DEFAULT_LESS);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(pager = %argv[0], error = %e, "cannot start the pager; printing instead");
            return false;
        }
    };
    // Ctrl-C in the pager is the pager's: from here on we ignore SIGINT (as git does), or we
    // would die and leave it reading the terminal behind the shell's prompt. Paging is the
    // last thing a command does, so nothing later needs SIGINT back.
    let guard = ignore_interrupts();
    if let Some(mut stdin) = child.stdin.take() {
        // Quitting the pager before the end closes the pipe: that is the reader's choice,
        // not an error.
        let _ = stdin.write_all(text.as_bytes());
    }
    let _ = child.wait();
    drop(guard);
    true
}

/// Keeps SIGINT from killing us: a tokio signal listener replaces the default action (for
/// the rest of the process; tokio never restores it), and nobody reads it.
fn ignore_interrupts() -> Option<(tokio::runtime::Runtime, tokio::signal::unix::Signal)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .ok()?;
    let sig = rt.block_on(async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok()
    })?;
    Some((rt, sig))
}
