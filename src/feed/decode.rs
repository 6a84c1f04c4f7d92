//! Feed bytes to text, choosing the encoding as browsers and feedparser do: a byte-order mark,
//! then the HTTP `Content-Type` charset, then the XML declaration, then detection. A declared
//! encoding that does not decode the bytes falls back to the next candidate; bytes that no
//! candidate decodes are replaced (U+FFFD) and reported, never fatal.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// Decoded text and how it was decoded.
pub(crate) struct Decoded {
    pub text: String,
    /// Lower-case label, e.g. `utf-8`, `iso-8859-1`, `utf-32be`.
    pub encoding: String,
    pub reason: String,
    /// The document lied about its encoding or held undecodable bytes.
    pub bozo: bool,
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Wide {
    Utf32Be,
    Utf32Le,
}

pub(crate) fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    // 1. A byte-order mark outranks everything (HTML's and XML's rule).
    let boms: [(&[u8], &str); 5] = [
        (&[0x00, 0x00, 0xFE, 0xFF], "utf-32be"),
        (&[0xFF, 0xFE, 0x00, 0x00], "utf-32le"),
        (&[0xEF, 0xBB, 0xBF], "utf-8"),
        (&[0xFE, 0xFF], "utf-16be"),
        (&[0xFF, 0xFE], "utf-16le"),
    ];
    for (bom, label) in boms {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let text = decode_as(rest, label);
            let bad = text.matches('\u{FFFD}').count();
            let mut warnings = media_type_warnings(content_type, bytes);
            if bad > 0 {
                warnings.push(format!(
                    "{bad} invalid {label} sequence(s) replaced with U+FFFD"
                ));
            }
            let bozo = !warnings.is_empty();
            return finish(text, label, "byte-order mark".into(), bozo, warnings);
        }
    }
    // 2. No BOM, but `<?xml` written in a wide encoding (XML 1.0 appendix F).
    let sniffed = match bytes {
        [0, 0, 0, b'<', ..] => Some("utf-32be"),
        [b'<', 0, 0, 0, ..] => Some("utf-32le"),
        [0, b'<', 0, b'?', ..] => Some("utf-16be"),
        [b'<', 0, b'?', 0, ..] => Some("utf-16le"),
        _ => None,
    };
    if let Some(label) = sniffed {
        return finish(
            decode_as(bytes, label),
            label,
            "sniffed from the first bytes".into(),
            false,
            Vec::new(),
        );
    }

    let http = content_type.and_then(charset_of);
    let declared = xml_declared_encoding(bytes);
    let mut warnings = media_type_warnings(content_type, bytes);
    let mut candidates: Vec<(String, String)> = Vec::new();
    if let Some(h) = &http {
        candidates.push((h.clone(), format!("HTTP Content-Type charset {h}")));
    }
    if let Some(d) = &declared {
        candidates.push((d.clone(), format!("XML declaration encoding=\"{d}\"")));
    }
    let mut bozo = !warnings.is_empty();
    for (i, (label, reason)) in candidates.iter().enumerate() {
        let Some(enc) = ascii_compatible(label) else {
            warnings.push(format!("unknown or unusable encoding {label:?} ignored"));
            bozo = true;
            continue;
        };
        // A legacy single-byte label on bytes that are valid, non-ASCII UTF-8 is almost always a
        // publisher who copied a template: decoding as declared gives mojibake (feedparser with
        // chardet, and browsers' detectors, pick UTF-8 here too).
        if enc != UTF_8 && is_single_byte(enc) && is_non_ascii_utf8(bytes) {
            warnings.push(format!(
                "declared encoding {label} disagrees with the bytes, which are UTF-8; read as UTF-8"
            ));
            return finish(
                UTF_8.decode_without_bom_handling(bytes).0.into_owned(),
                "utf-8",
                format!("detected UTF-8 ({reason} overridden)"),
                true,
                warnings,
            );
        }
        if let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            if i > 0 {
                bozo = true;
            }
            let name = report_label(label, enc);
            return finish(text.into_owned(), &name, reason.clone(), bozo, warnings);
        }
        warnings.push(format!(
            "bytes are not valid {label}; trying the next candidate"
        ));
        bozo = true;
    }
    // 3. Detection: UTF-8 if it decodes, else windows-1252 (the superset of ISO-8859-1 that
    //    browsers use for it), which decodes any byte.
    if let Some(text) = UTF_8.decode_without_bom_handling_and_without_replacement(bytes) {
        let reason = if candidates.is_empty() {
            "no declaration; valid UTF-8"
        } else {
            "fallback: valid UTF-8"
        };
        return finish(text.into_owned(), "utf-8", reason.into(), bozo, warnings);
    }
    if candidates.is_empty() && !mostly_utf8(bytes) {
        let text = WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned();
        // A guess, so say so (feedparser flags this too).
        warnings
            .push("no encoding declared and the bytes are not UTF-8: read as windows-1252".into());
        return finish(
            text,
            "windows-1252",
            "no declaration; not UTF-8, read as windows-1252".into(),
            true,
            warnings,
        );
    }
    let (label, source, enc) = candidates
        .iter()
        .find_map(|(l, r)| ascii_compatible(l).map(|e| (l.clone(), r.clone(), e)))
        .unwrap_or_else(|| ("utf-8".to_string(), String::new(), UTF_8));
    // Declared UTF-8 over legacy bytes (a CMS that writes windows-1252 under a UTF-8 template):
    // replacing every accented letter loses the text, so read the bytes as what they are, as
    // feedparser does when the declared codec fails. One invalid sequence stays a stray byte
    // under the declared UTF-8: a single byte is no evidence about the whole document.
    if enc == UTF_8
        && let Some(text) = legacy_instead_of_utf8(bytes)
    {
        // Said better by the warning below.
        let tried = format!("bytes are not valid {label};");
        warnings.retain(|w| !w.starts_with(&tried));
        warnings.push(format!(
            "declared {label} but the bytes are not UTF-8; read as windows-1252"
        ));
        return finish(
            text,
            "windows-1252",
            format!("{source} but the bytes are not UTF-8; read as windows-1252"),
            true,
            warnings,
        );
    }
    // Mostly UTF-8 with stray bytes (or a declared encoding that failed): replace them.
    let enc = if mostly_utf8(bytes) { UTF_8 } else { enc };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    let bad = text.matches('\u{FFFD}').count();
    warnings.push(format!(
        "{bad} invalid byte sequence(s) replaced with U+FFFD"
    ));
    let name = if enc == UTF_8 {
        "utf-8".to_string()
    } else {
        report_label(&label, enc)
    };
    finish(
        text.into_owned(),
        &name,
        "fallback with replacement".into(),
        true,
        warnings,
    )
}

fn finish(text: String, label: &str, reason: String, bozo: bool, warnings: Vec<String>) -> Decoded {
    Decoded {
        text: demoronize(&text),
        encoding: label.to_string(),
        reason,
        bozo,
        warnings,
    }
}

/// C1 control characters in feed text are windows-1252 bytes that went through a latin-1
/// decoder somewhere upstream (`don\u{92}t`); map them to what the author typed.
fn demoronize(s: &str) -> String {
    if !s.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return s.to_string();
    }
    s.chars().map(c1_to_cp1252).collect()
}

pub(crate) fn c1_to_cp1252(c: char) -> char {
    let n = c as u32;
    if !(0x80..=0x9f).contains(&n) {
        return c;
    }
    let byte = [n as u8];
    let (s, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
    s.chars().next().unwrap_or(c)
}

fn decode_as(bytes: &[u8], label: &str) -> String {
    match label {
        "utf-32be" => decode_utf32(bytes, Wide::Utf32Be),
        "utf-32le" => decode_utf32(bytes, Wide::Utf32Le),
        "utf-16be" => UTF_16BE.decode_without_bom_handling(bytes).0.into_owned(),
        "utf-16le" => UTF_16LE.decode_without_bom_handling(bytes).0.into_owned(),
        _ => UTF_8.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// encoding_rs follows the WHATWG Encoding Standard, which has no UTF-32.
fn decode_utf32(bytes: &[u8], order: Wide) -> String {
    bytes
        .chunks(4)
        .map(|c| {
            if c.len() < 4 {
                return '\u{FFFD}';
            }
            let n = match order {
                Wide::Utf32Be => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                Wide::Utf32Le => u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
            };
            char::from_u32(n).unwrap_or('\u{FFFD}')
        })
        .collect()
}

/// An encoding for `label` that can read an ASCII-compatible document (a document without a
/// BOM whose first bytes are `<?xml` in ASCII cannot be UTF-16, whatever it declares).
fn ascii_compatible(label: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(label.trim().as_bytes())?;
    if enc == UTF_16BE || enc == UTF_16LE || enc == encoding_rs::REPLACEMENT {
        return None;
    }
    Some(enc.output_encoding())
}

fn is_single_byte(enc: &'static Encoding) -> bool {
    enc.is_single_byte()
}

fn report_label(label: &str, enc: &'static Encoding) -> String {
    let l = label.trim().to_ascii_lowercase();
    if Encoding::for_label(l.as_bytes()).map(Encoding::output_encoding) == Some(enc) {
        l
    } else {
        enc.name().to_ascii_lowercase()
    }
}

fn is_non_ascii_utf8(bytes: &[u8]) -> bool {
    !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok()
}

/// Valid UTF-8 apart from stray bytes: at least two bytes of valid multibyte sequences per
/// invalid one (latin-1 text has almost none).
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (good, bad) = utf8_profile(bytes);
    good > 0 && bad * 2 <= good
}

/// The windows-1252 reading of bytes declared UTF-8, when they are plainly not UTF-8: more
/// than one invalid sequence, not outweighed by valid multibyte ones (see `mostly_utf8`), and
/// every byte a character windows-1252 defines (a byte in one of its five holes means some
/// other encoding, where replacement is the honest answer).
fn legacy_instead_of_utf8(bytes: &[u8]) -> Option<String> {
    let (good, bad) = utf8_profile(bytes);
    if bad < 2 || (good > 0 && bad * 2 <= good) {
        return None;
    }
    let text = WINDOWS_1252.decode_without_bom_handling_and_without_replacement(bytes)?;
    let holes = text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c));
    (!holes).then(|| text.into_owned())
}

/// (bytes in valid multibyte UTF-8 sequences, invalid sequences).
fn utf8_profile(bytes: &[u8]) -> (usize, usize) {
    let (mut good, mut bad) = (0usize, 0usize);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                good += s.bytes().filter(|b| *b >= 0x80).count();
                break;
            }
            Err(e) => {
                let (ok, after) = rest.split_at(e.valid_up_to());
                good += ok.iter().filter(|b| **b >= 0x80).count();
                bad += 1;
                let skip = e.error_len().unwrap_or(after.len()).max(1).min(after.len());
                rest = &after[skip..];
                if rest.is_empty() {
                    break;
                }
            }
        }
    }
    (good, bad)
}

/// What is wrong with how the document was served: a media type that is not a feed's, or
/// (RFC 3023) `text/xml` without a charset on non-ASCII bytes.
fn media_type_warnings(content_type: Option<&str>, bytes: &[u8]) -> Vec<String> {
    let Some(ct) = content_type else {
        return Vec::new();
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut w = Vec::new();
    if !(mime.contains("xml")
        || mime.contains("rss")
        || mime.contains("atom")
        || mime.contains("json")
        || mime.contains("rdf")
        || mime.is_empty())
    {
        w.push(format!("served as {mime}, not as a feed media type"));
    } else if mime.starts_with("text/")
        && mime.contains("xml")
        && charset_of(ct).is_none()
        && !bytes.is_ascii()
    {
        w.push(format!(
            "served as {mime} without a charset (US-ASCII by RFC 3023) but holds non-ASCII bytes"
        ));
    }
    w
}

/// `charset` parameter of a Content-Type, quotes removed.
pub(crate) fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!v.is_empty()).then(|| v.to_ascii_lowercase())
    })
}

/// `encoding="..."` of an XML declaration at the start of an ASCII-compatible document.
fn xml_declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1024)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(&head[..end]);
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    let close = value.find(quote)?;
    let v = value[..close].trim();
    (!v.is_empty()).then(|| v.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_without_declaration_is_read_as_windows_1252() {
        let d = decode(b"<rss><title>Caf\xe9 owners</title></rss>", None);
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("Café"), "{}", d.text);
        assert!(d.bozo, "a guessed encoding is flagged");
    }

    #[test]
    fn http_charset_outranks_the_declaration() {
        let d = decode(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><title>\xa3 5</title></rss>",
            Some("application/rss+xml; charset=\"iso-8859-1\""),
        );
        assert_eq!(d.encoding, "iso-8859-1");
        assert!(d.text.contains("£ 5"));
    }

    #[test]
    fn a_wrong_single_byte_declaration_on_utf8_bytes_reads_utf8() {
        let d = decode(
            "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><t>Zürich</t>".as_bytes(),
            None,
        );
        assert_eq!(d.encoding, "utf-8");
        assert!(d.text.contains("Zürich"));
        assert!(d.bozo);
    }

    #[test]
    fn one_stray_byte_is_replaced_not_fatal() {
        let mut bytes = "<t>Zürich \u{2014} Genève ".as_bytes().to_vec();
        bytes.push(0xFF);
        bytes.extend_from_slice("<u>é</u></t>".as_bytes());
        let d = decode(&bytes, None);
        assert!(d.text.contains("Zürich"));
        assert!(d.text.contains('\u{FFFD}'));
        assert!(d.bozo);
    }

    /// `body` in windows-1252 behind a UTF-8 declaration.
    fn utf8_declared_over_cp1252(body: &str) -> Vec<u8> {
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>".to_vec();
        let (legacy, _, unmappable) = WINDOWS_1252.encode(body);
        assert!(!unmappable);
        bytes.extend_from_slice(&legacy);
        bytes
    }

    #[test]
    fn utf8_declared_over_windows_1252_is_read_as_windows_1252() {
        let body = "<t>Caf\u{e9} \u{201c}na\u{ef}ve\u{201d} plan costs \u{a3}40</t>";
        let d = decode(&utf8_declared_over_cp1252(body), None);
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.ends_with(body), "{}", d.text);
        assert!(!d.text.contains('\u{FFFD}'));
        assert!(d.bozo);
        assert!(d.reason.contains("XML declaration"), "{}", d.reason);
        assert!(d.reason.contains("not UTF-8"), "{}", d.reason);
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("read as windows-1252"))
        );
    }

    #[test]
    fn http_utf8_charset_over_windows_1252_is_read_as_windows_1252() {
        let (bytes, _, _) = WINDOWS_1252.encode("<t>Se\u{f1}or N\u{fa}\u{f1}ez</t>");
        let d = decode(&bytes, Some("application/rss+xml; charset=utf-8"));
        assert_eq!(d.encoding, "windows-1252");
        assert_eq!(d.text, "<t>Señor Núñez</t>");
        assert!(d.reason.contains("HTTP"), "{}", d.reason);
    }

    #[test]
    fn one_stray_byte_under_a_utf8_declaration_stays_utf8() {
        // ASCII apart from one byte: too little evidence to overrule the declaration.
        let d = decode(
            &utf8_declared_over_cp1252("<t>Fuel\u{a0}costs rose</t>"),
            None,
        );
        assert_eq!(d.encoding, "utf-8");
        assert_eq!(d.text.matches('\u{FFFD}').count(), 1);
        assert!(d.bozo);
    }

    #[test]
    fn utf8_text_with_two_stray_bytes_stays_utf8() {
        let mut bytes = "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Zürich — Genève, Málaga"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b" \xe9 and \xa0</t>");
        let d = decode(&bytes, None);
        assert_eq!(d.encoding, "utf-8");
        assert!(d.text.contains("Zürich — Genève, Málaga"));
        assert_eq!(d.text.matches('\u{FFFD}').count(), 2);
    }

    #[test]
    fn bytes_windows_1252_leaves_undefined_are_replaced_not_guessed() {
        // 0x81 and 0x8D are holes in windows-1252: some other encoding, so no re-reading.
        let d = decode(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>\x81a\x8db\xe9</t>",
            None,
        );
        assert_eq!(d.encoding, "utf-8");
        assert_eq!(d.text.matches('\u{FFFD}').count(), 3);
    }

    #[test]
    fn utf32_with_bom_is_decoded() {
        let mut bytes = vec![0x00, 0x00, 0xFE, 0xFF];
        for c in "<t>é</t>".chars() {
            bytes.extend_from_slice(&(c as u32).to_be_bytes());
        }
        let d = decode(&bytes, None);
        assert_eq!(d.encoding, "utf-32be");
        assert_eq!(d.text, "<t>é</t>");
    }

    #[test]
    fn c1_controls_become_windows_1252_punctuation() {
        let d = decode("<t>don\u{92}t</t>".as_bytes(), None);
        assert_eq!(d.text, "<t>don\u{2019}t</t>");
    }
}
