//! Secrets read from files (`secret_file`, `password_file`, `token_file`), so the config
//! itself can stay world-readable. A relative name is looked up in `$CREDENTIALS_DIRECTORY`
//! when systemd set it (`LoadCredential=name:/etc/redline/name`), else next to the config.
//!
//! A secret file that others can read is accepted with a warning rather than refused:
//! container runtimes mount secrets 0444 by default (Docker and Kubernetes secret volumes)
//! inside a private mount namespace, where "world" is nobody, and refusing would break those
//! setups for no gain. Outside them the warning names the file and the `chmod` that fixes it.

use std::path::{Path, PathBuf};

/// Set by systemd for a unit with `LoadCredential=` or `SetCredential=`.
pub const CREDENTIALS_DIRECTORY_ENV: &str = "CREDENTIALS_DIRECTORY";

/// A secret longer than this is not a token but a mistake (the wrong file).
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// Where a secret file named in the config lives.
pub fn resolve(name: &Path, config_dir: Option<&Path>) -> PathBuf {
    if name.is_absolute() {
        return name.to_path_buf();
    }
    if let Some(dir) = std::env::var_os(CREDENTIALS_DIRECTORY_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join(name);
    }
    match config_dir {
        Some(d) => d.join(name),
        None => name.to_path_buf(),
    }
}

/// Reads one secret: the file's text without its trailing newline. Errors say which file and
/// why, never the secret.
pub fn read(name: &Path, config_dir: Option<&Path>) -> Result<String, String> {
    let path = resolve(name, config_dir);
    let shown = path.display();
    let meta = std::fs::metadata(&path).map_err(|e| {
        let hint = if std::env::var_os(CREDENTIALS_DIRECTORY_ENV).is_some() {
            format!(" (relative names are looked up in ${CREDENTIALS_DIRECTORY_ENV})")
        } else {
            String::new()
        };
        format!("cannot read secret file {shown}: {e}{hint}")
    })?;
    if !meta.is_file() {
        return Err(format!("secret file {shown} is not a regular file"));
    }
    if meta.len() > MAX_SECRET_BYTES {
        return Err(format!(
            "secret file {shown} is {} bytes; a secret is at most {MAX_SECRET_BYTES} (is it the right file?)",
            meta.len()
        ));
    }
    warn_if_world_readable(&path, &meta);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read secret file {shown}: {e}"))?;
    let secret = text.trim_end_matches(['\n', '\r']).to_string();
    if secret.trim().is_empty() {
        return Err(format!("secret file {shown} is empty"));
    }
    Ok(secret)
}

#[cfg(unix)]
fn warn_if_world_readable(path: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o004 != 0 {
        tracing::warn!(
            file = %path.display(),
            "secret file is readable by every user; run `chmod o-r` on it (or load it with systemd's LoadCredential=)"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_world_readable(_: &Path, _: &std::fs::Metadata) {}

/// `inline` or the content of `file`, never both; `key` names them in errors.
pub fn inline_or_file(
    key: &str,
    inline: Option<&str>,
    file: Option<&Path>,
    config_dir: Option<&Path>,
) -> Result<Option<String>, (String, String)> {
    match (inline, file) {
        (Some(_), Some(_)) => Err((
            format!("{key}_file"),
            format!("set `{key}` or `{key}_file`, not both"),
        )),
        (Some(s), None) => Ok(Some(s.to_string()).filter(|s| !s.is_empty())),
        (None, Some(f)) => read(f, config_dir)
            .map(Some)
            .map_err(|m| (format!("{key}_file"), m)),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_file_loses_its_trailing_newline_and_an_empty_one_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("hook"), "s3cr3t\n").expect("write");
        std::fs::write(dir.path().join("empty"), "\n").expect("write");
        assert_eq!(
            read(Path::new("hook"), Some(dir.path())).as_deref(),
            Ok("s3cr3t")
        );
        let e = read(Path::new("empty"), Some(dir.path())).expect_err("empty");
        assert!(e.contains("is empty"), "{e}");
        let e = read(Path::new("missing"), Some(dir.path())).expect_err("missing");
        assert!(e.contains("missing"), "{e}");
    }

    #[test]
    fn inline_and_file_together_are_refused_by_name() {
        let e = inline_or_file("secret", Some("x"), Some(Path::new("f")), None).expect_err("both");
        assert_eq!(e.0, "secret_file");
    }
}
