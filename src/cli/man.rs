//! `man --dir`: one roff page per command, so the `redline-feeds(1)` the main page points to
//! exists. clap_mangen renders; this only chooses the directory and says what it wrote.

use std::path::Path;

use anyhow::Context;

use super::output::outln;

/// Writes `redline.1` and a page per subcommand, nested ones included, into `dir`.
pub(super) fn write_pages(cmd: clap::Command, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(cmd.clone(), dir)
        .with_context(|| format!("writing man pages into {}", dir.display()))?;
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    for page in page_names(&cmd) {
        outln!("{}", dir.join(page).display());
    }
    Ok(())
}

/// The file names clap_mangen gives each page: the command path joined by `-`.
fn page_names(cmd: &clap::Command) -> Vec<String> {
    let mut names = vec![format!(
        "{}.1",
        cmd.get_display_name().unwrap_or(cmd.get_name())
    )];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        names.extend(page_names(sub));
    }
    names
}
