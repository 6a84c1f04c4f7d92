//! Ids that say what they are: `a42` is article 42, `f7` feed 7, `a42v3` version 3 of article
//! 42. Printed by every text listing (a bare `#42` was ambiguous between an article and a
//! feed), accepted as input wherever the bare number is accepted too (`42`, `#42`). JSON keeps
//! numeric ids (`id`, `article_id`, `feed_id`, `seq`) and adds these as `ref` (docs/JSON.md).
//! Pure: strings in, numbers out.

/// `a42`.
pub fn article(id: i64) -> String {
    format!("a{id}")
}

/// `f7`.
pub fn feed(id: i64) -> String {
    format!("f{id}")
}

/// `a42v3`.
pub fn version(article_id: i64, seq: i64) -> String {
    format!("a{article_id}v{seq}")
}

fn number(s: &str) -> Option<i64> {
    // Digits only: `i64::from_str` would also take "+5", which nobody types as an id.
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// An article reference: `42`, `#42`, `a42`, or `a42v3` (article and version).
/// `None` when `key` is not written as an id (then it may be a URL or guid).
pub fn parse_article(key: &str) -> Option<(i64, Option<i64>)> {
    let k = key.trim();
    if let Some(n) = number(k.strip_prefix('#').unwrap_or(k)) {
        return Some((n, None));
    }
    let rest = k.strip_prefix(['a', 'A'])?;
    match rest.split_once(['v', 'V']) {
        Some((a, v)) => Some((number(a)?, Some(number(v)?))),
        None => Some((number(rest)?, None)),
    }
}

/// A feed reference by id: `7`, `#7` or `f7`. Names are looked up before this (a feed may be
/// named `f7`).
pub fn parse_feed(key: &str) -> Option<i64> {
    let k = key.trim();
    number(k.strip_prefix('#').unwrap_or(k)).or_else(|| number(k.strip_prefix(['f', 'F'])?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_refs_with_and_without_prefix() {
        assert_eq!(parse_article("42"), Some((42, None)));
        assert_eq!(parse_article("#42"), Some((42, None)));
        assert_eq!(parse_article("a42"), Some((42, None)));
        assert_eq!(parse_article("a42v3"), Some((42, Some(3))));
        assert_eq!(parse_article(&version(42, 3)), Some((42, Some(3))));
        for not_an_id in [
            "https://x.example/a42",
            "a",
            "av3",
            "a42v",
            "a-1",
            "+5",
            "a4 2",
            "",
        ] {
            assert_eq!(parse_article(not_an_id), None, "{not_an_id}");
        }
    }

    #[test]
    fn feed_refs_with_and_without_prefix() {
        assert_eq!(parse_feed("7"), Some(7));
        assert_eq!(parse_feed("#7"), Some(7));
        assert_eq!(parse_feed(&feed(7)), Some(7));
        assert_eq!(parse_feed("a7"), None);
        assert_eq!(parse_feed("chronicle"), None);
    }
}
