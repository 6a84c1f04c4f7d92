//! The card's fonts: DejaVu Sans and DejaVu Sans Bold (Debian's fonts-dejavu-core), embedded
//! zstd-compressed in the binary and unpacked once per process, so a card renders the same
//! everywhere and needs no system font. The same bytes feed both the text measurement here
//! (glyph advances, for wrapping) and the renderer's font database, so what is measured is
//! what is drawn.
//!
//! Coverage: Latin, Greek, Cyrillic, Hebrew, Arabic and many symbols. CJK ideographs and most
//! emoji are not in DejaVu: they are measured and drawn as the font's `.notdef` box (there is
//! no other font to fall back to, by design: no system fonts are read), and the alt text keeps
//! the real characters.

use std::sync::{Arc, OnceLock};

use resvg::usvg::fontdb;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, GlyphId, MetadataProvider};

use super::CardError;

/// The family name both embedded faces carry; the SVG asks for it by name.
pub const FAMILY: &str = "DejaVu Sans";

const REGULAR_ZST: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf.zst");
const BOLD_ZST: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf.zst");
/// Each face unpacks to under 1 MB; the bound keeps a corrupt blob from allocating more.
const MAX_FONT_BYTES: usize = 2 * 1024 * 1024;

/// One face, ready to measure: its character map and advances at 1 px per em (scaled by
/// the font size at the call), and a shaper for scripts whose letters join (Arabic).
pub struct Face {
    charmap: skrifa::charmap::Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    shaper: harfrust::Shaper<'static>,
    units_per_em: f32,
}

impl Face {
    fn new(data: &'static [u8]) -> Result<Self, CardError> {
        let font = FontRef::new(data).map_err(|e| CardError::Font(e.to_string()))?;
        // Built once per process and kept (see `fonts`), like the font bytes.
        let shaper_data: &'static harfrust::ShaperData =
            Box::leak(Box::new(harfrust::ShaperData::new(&font)));
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em
                .max(1),
        );
        Ok(Self {
            charmap: font.charmap(),
            metrics: font.glyph_metrics(Size::new(1.0), LocationRef::default()),
            shaper: shaper_data.shaper(&font).build(),
            units_per_em,
        })
    }

    /// Whether the face has a glyph for `c` (otherwise `.notdef` is drawn).
    #[cfg(test)]
    pub fn has_glyph(&self, c: char) -> bool {
        self.charmap.map(c).is_some()
    }

    /// The advance of `c` at 1 px per em: its glyph's, or `.notdef`'s when the face lacks it
    /// (as the renderer then draws `.notdef`). Combining marks and format characters take
    /// no room.
    fn advance(&self, c: char) -> f32 {
        if is_zero_width(c) {
            return 0.0;
        }
        let gid = self.charmap.map(c).unwrap_or(GlyphId::NOTDEF);
        self.metrics.advance_width(gid).unwrap_or(0.6)
    }

    /// The width of `text` at `size` px. Text before Hebrew in Unicode (Latin, Greek,
    /// Cyrillic) is summed from glyph advances without kerning, which only narrows a line, so
    /// a wrapped line never overflows because of it; anything else is shaped as the renderer
    /// shapes it, since joined Arabic letters are much narrower than their isolated forms.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        if text.chars().all(|c| c < '\u{0590}') {
            return text.chars().map(|c| self.advance(c)).sum::<f32>() * size;
        }
        let mut buffer = harfrust::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = self.shaper.shape(buffer, harfrust::ShapeOptions::new());
        let units: i64 = shaped
            .glyph_positions()
            .iter()
            .map(|p| i64::from(p.x_advance))
            .sum();
        units as f32 / self.units_per_em * size
    }
}

/// Combining marks (Arabic harakat, Hebrew points, Latin accents given apart), joiners and
/// variation selectors: drawn on or with the previous character.
fn is_zero_width(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0591}'..='\u{05C7}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06ED}'
        | '\u{200B}'..='\u{200F}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}')
}

pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
    /// The renderer's font database: the two embedded faces and nothing else.
    pub db: Arc<fontdb::Database>,
}

/// The fonts, unpacked on first use and kept for the life of the process (~1.4 MB).
pub fn fonts() -> Result<&'static Fonts, CardError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| load().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| CardError::Font(e.clone()))
}

fn load() -> Result<Fonts, CardError> {
    let unpack = |zst: &[u8]| -> Result<&'static [u8], CardError> {
        let bytes = zstd::bulk::decompress(zst, MAX_FONT_BYTES)
            .map_err(|e| CardError::Font(format!("unpacking the embedded font: {e}")))?;
        // Leaked once per process (a OnceLock holds the result): the faces borrow it for
        // ever, and the renderer shares it without a copy.
        Ok(Box::leak(bytes.into_boxed_slice()))
    };
    let (regular, bold) = (unpack(REGULAR_ZST)?, unpack(BOLD_ZST)?);
    let mut db = fontdb::Database::new();
    for data in [regular, bold] {
        db.load_font_source(fontdb::Source::Binary(Arc::new(data)));
    }
    db.set_sans_serif_family(FAMILY);
    if db.len() != 2 {
        return Err(CardError::Font(format!(
            "expected 2 embedded faces, the font database read {}",
            db.len()
        )));
    }
    Ok(Fonts {
        regular: Face::new(regular)?,
        bold: Face::new(bold)?,
        db: Arc::new(db),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_faces_load_and_measure_by_glyph_advance() {
        let f = fonts().expect("fonts");
        let r = &f.regular;
        // Proportional: an "i" is much narrower than an "M", and bold is wider.
        assert!(r.width("iiii", 20.0) < r.width("MMMM", 20.0) / 2.0);
        assert!(f.bold.width("Headline", 20.0) > r.width("Headline", 20.0));
        assert!((r.width("ab", 40.0) - 2.0 * r.width("ab", 20.0)).abs() < 0.01);
        assert!(r.has_glyph('ש') && r.has_glyph('ب'));
        assert!(
            !r.has_glyph('漢'),
            "DejaVu has no CJK: it is drawn as .notdef"
        );
        assert!(r.width("漢", 20.0) > 0.0);
    }
}
