//! The `redline` binary: parse arguments, set up logging, run the command, map errors to exit
//! codes. A closed stdout (`redline log | head`) is success, not an error.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use redline::cli::{self, Cli, LogFormat};
use redline::logsink;
use tracing_subscriber::EnvFilter;

/// Exit code for errors (bad config, database trouble, bad arguments are clap's 2).
const EXIT_ERROR: u8 = 1;

/// How long a command waits at exit for its last stderr lines to be written.
const STDERR_FLUSH: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.log_format);
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            redline::errln!("redline: {}", cli::output::sanitize(&format!("{err:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    };
    logsink::flush(STDERR_FLUSH);
    code
}

/// A closed stdout, however it reached us: a plain write, or one inside serde_json.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        let kind = e
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                e.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(verbose: u8, format: LogFormat) {
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // journald stamps each line itself; ours would be a duplicate.
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Never `std::io::stderr` directly: a closed or full log pipe must not stop the
        // daemon (see logsink), and tracing's own report of a failed write would panic.
        .with_writer(logsink::StderrSink)
        .log_internal_errors(false);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text if under_journald => builder.without_time().with_ansi(false).try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
