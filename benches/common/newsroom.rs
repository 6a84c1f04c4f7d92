//! A synthetic newsroom for benchmarks: deterministic, realistic-looking local and world news
//! (our own wording, built from templates) and its revisions, written into a redline database
//! through the store API exactly as the poller writes them (article rows, versions compressed
//! against the previous one, change records with claim rows from `version::analyze`, the
//! search index).

use std::path::Path;

use redline::normalize::{Comparison, Snapshot, TextSource};
use redline::store::{Store, StoreError, articles, changes, feeds};
use redline::version::analyze;

const CITIES: &[&str] = &[
    "Harbour City",
    "Northgate",
    "Eastfield",
    "Port Ellis",
    "Marrow Bay",
    "Kestrel Falls",
    "Lindmoor",
    "Ashby Cross",
    "Redwater",
    "Calder Heights",
];
const PEOPLE: &[(&str, &str)] = &[
    ("Maria Okafor", "the council's finance chair"),
    ("Daniel Reyes", "the city manager"),
    ("Priya Natarajan", "a spokeswoman for the transit authority"),
    ("Tomasz Wierzbicki", "the regional health director"),
    ("Helen Achterberg", "the school board president"),
    ("Samuel Osei", "a union representative"),
    ("Ingrid Halvorsen", "the port authority's chief executive"),
    ("Luis Carvalho", "the police commissioner"),
    ("Aiko Tanabe", "an economist at Lindmoor University"),
    ("Ruth Mbeki", "the opposition leader"),
];
const TOPICS: &[(&str, &str, &str)] = &[
    ("budget", "the city budget", "spending"),
    ("transit", "the new tram line", "the transit plan"),
    (
        "hospital",
        "the hospital expansion",
        "patient waiting times",
    ),
    ("schools", "the school funding formula", "class sizes"),
    ("port", "the container terminal", "shipping volumes"),
    ("housing", "the housing programme", "rents"),
    ("flood", "the flood defences", "the river barrier"),
    ("police", "the police review", "response times"),
    ("strike", "the bus drivers' strike", "the pay offer"),
    ("energy", "the wind farm contract", "power prices"),
];
const VERBS: &[&str] = &[
    "approved",
    "rejected",
    "delayed",
    "questioned",
    "defended",
    "announced",
];
const QUOTES: &[&str] = &[
    "We cannot keep asking residents to pay more for less",
    "This is the most important decision the council will make this year",
    "The numbers simply do not add up",
    "We have listened, and we have changed the plan",
    "Nobody should have to wait this long",
    "It is a fair deal for workers and for the city",
    "The risks were known and they were ignored",
    "We expect the work to finish on time and on budget",
];
const HEDGES: &[&str] = &["reportedly", "apparently", "according to officials,"];

/// A small deterministic generator (xorshift), so the same arguments give the same database.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One article in the making: paragraphs of sentences, edited in place between versions.
#[derive(Clone)]
pub struct Story {
    pub title: String,
    pub byline: String,
    pub url: String,
    pub paragraphs: Vec<Vec<String>>,
}

impl Story {
    pub fn new(rng: &mut Rng, outlet: usize, n: usize, paragraphs: usize) -> Self {
        let city = *rng.pick(CITIES);
        let (slug, subject, measure) = *rng.pick(TOPICS);
        let verb = *rng.pick(VERBS);
        let (reporter, _) = *rng.pick(PEOPLE);
        let amount = 2 + rng.below(90);
        let title = format!(
            "{city} council {verb} {subject} after {amount} million dispute over {measure}"
        );
        let mut paras = Vec::new();
        for p in 0..paragraphs {
            let mut sentences = Vec::new();
            for _ in 0..3 {
                sentences.push(sentence(rng, city, subject, measure, p));
            }
            paras.push(sentences);
        }
        Self {
            title,
            byline: reporter.to_string(),
            url: format!(
                "https://news{outlet}.example/{slug}/{n}-{}",
                city.replace(' ', "-").to_lowercase()
            ),
            paragraphs: paras,
        }
    }

    pub fn snapshot(&self, published: &str) -> Snapshot {
        let paras: Vec<String> = self.paragraphs.iter().map(|p| p.join(" ")).collect();
        let mut s = Snapshot::new(
            &self.title,
            Some(&self.byline),
            &self.url,
            &paras,
            TextSource::Page,
        );
        s.published = Some(published.to_string());
        s
    }

    /// One newsroom edit: a figure, a quote, a hedge, a new or dropped sentence, sometimes the
    /// headline, and now and then only typography (a cosmetic version).
    pub fn edit(&mut self, rng: &mut Rng) {
        let p = rng.below(self.paragraphs.len());
        let s = rng.below(self.paragraphs[p].len());
        match rng.below(8) {
            0 | 1 => {
                let old = self.paragraphs[p][s].clone();
                self.paragraphs[p][s] = bump_number(&old, rng);
            }
            2 => {
                let q = *rng.pick(QUOTES);
                let (who, role) = *rng.pick(PEOPLE);
                self.paragraphs[p][s] = format!("\"{q},\" said {who}, {role}.");
            }
            3 => {
                let h = *rng.pick(HEDGES);
                let old = self.paragraphs[p][s].clone();
                self.paragraphs[p][s] = old.replacen(" was ", &format!(" was {h} "), 1);
                if self.paragraphs[p][s] == old {
                    self.paragraphs[p][s] = format!("Officials said {}", lower_first(&old));
                }
            }
            4 => {
                let city = *rng.pick(CITIES);
                let (_, subject, measure) = *rng.pick(TOPICS);
                let new = sentence(rng, city, subject, measure, p);
                self.paragraphs[p].insert(s, new);
            }
            5 if self.paragraphs[p].len() > 1 => {
                self.paragraphs[p].remove(s);
            }
            6 => {
                self.title = bump_number(&self.title, rng);
            }
            _ => {
                // Typography only: straight quotes become curly ones.
                let old = self.paragraphs[p][s].clone();
                let curly = old.replace('\'', "\u{2019}").replace(" \"", " \u{201C}");
                self.paragraphs[p][s] = if curly == old {
                    bump_number(&old, rng)
                } else {
                    curly
                };
            }
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn sentence(rng: &mut Rng, city: &str, subject: &str, measure: &str, para: usize) -> String {
    let (who, role) = *rng.pick(PEOPLE);
    let n = 3 + rng.below(400);
    let pct = 1 + rng.below(40);
    match (para + rng.below(7)) % 7 {
        0 => format!(
            "The decision on {subject} was taken late on Tuesday after a {n}-minute debate in {city}."
        ),
        1 => format!("\"{},\" said {who}, {role}.", rng.pick(QUOTES)),
        2 => format!(
            "Figures released by the council show {measure} rose by {pct} percent over the past year."
        ),
        3 => format!("{who}, {role}, said the plan would cost about ${n} million over five years."),
        4 => format!(
            "Residents who attended the meeting said they had not been told about the changes to {measure}."
        ),
        5 => format!(
            "The council was expected to publish a revised estimate of {n} jobs by the end of the month."
        ),
        _ => format!(
            "Critics in {city} argued that {subject} had been rushed, and that {pct} of {n} objections were never answered."
        ),
    }
}

/// Changes the first number in `s` to another one.
fn bump_number(s: &str, rng: &mut Rng) -> String {
    let bytes = s.as_bytes();
    let Some(start) = bytes.iter().position(u8::is_ascii_digit) else {
        return format!("{s} The figure was later revised.");
    };
    let end = bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(bytes.len(), |e| start + e);
    let old: u64 = s[start..end].parse().unwrap_or(1);
    let new = old + 1 + rng.below(9) as u64;
    format!("{}{new}{}", &s[..start], &s[end..])
}

/// A distinct name per outlet ("Harbour City Chronicle", ...), numbered past 50.
fn outlet_name(o: usize) -> String {
    const PAPERS: &[&str] = &["Chronicle", "Herald", "Post", "Gazette", "Courier"];
    let city = CITIES[o % CITIES.len()];
    let paper = PAPERS[(o / CITIES.len()) % PAPERS.len()];
    match o / (CITIES.len() * PAPERS.len()) {
        0 => format!("{city} {paper}"),
        k => format!("{city} {paper} {}", k + 1),
    }
}

/// What `build` wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct Built {
    pub feeds: usize,
    pub articles: usize,
    pub versions: usize,
    pub changes: usize,
    pub claim_changes: usize,
}

/// Writes `articles` stories with `versions` versions each into `path` (a fresh database),
/// spread over `outlets` feeds and the 60 days before `now`, in batches of one transaction.
pub fn build(
    path: &Path,
    outlets: usize,
    articles_n: usize,
    versions: usize,
    paragraphs: usize,
    now: i64,
) -> Result<Built, StoreError> {
    let store = Store::open(path)?;
    let mut built = Built::default();
    let feed_ids = store.write(|tx| {
        let mut ids = Vec::new();
        for o in 0..outlets {
            let f = feeds::add(
                tx,
                &format!("https://news{o}.example/feed.xml"),
                Some(&outlet_name(o)),
                None,
                true,
                now - 61 * 86_400,
            )?;
            ids.push(f.id);
        }
        Ok(ids)
    })?;
    built.feeds = feed_ids.len();
    let span = 60 * 86_400;
    let batch = 200;
    let mut rng = Rng::new(0x7ED1_13E5);
    let mut a = 0;
    while a < articles_n {
        let end = (a + batch).min(articles_n);
        let mut work = Vec::new();
        // Text and analysis outside the transaction, as the poller does.
        for n in a..end {
            let outlet = n % outlets;
            let first_seen = now - span + (n as i64 * span) / articles_n as i64;
            let mut story = Story::new(&mut rng, outlet, n, paragraphs);
            let published = chrono::DateTime::from_timestamp(first_seen, 0)
                .map(|t| t.to_rfc2822())
                .unwrap_or_default();
            let mut snaps = vec![story.snapshot(&published)];
            for _ in 1..versions {
                story.edit(&mut rng);
                snaps.push(story.snapshot(&published));
            }
            let mut edits = Vec::new();
            for w in snaps.windows(2) {
                let cosmetic = w[1].compare(w[0].hash(), w[0].typo_hash()) == Comparison::Cosmetic;
                edits.push((cosmetic, analyze((&w[0]).into(), (&w[1]).into(), cosmetic)));
            }
            work.push((feed_ids[outlet], n, first_seen, snaps, edits));
        }
        let counts = store.write(|tx| {
            let mut c = Built::default();
            for (feed_id, n, first_seen, snaps, edits) in &work {
                let id = articles::insert(
                    tx,
                    *feed_id,
                    &format!("story-{n}"),
                    &snaps[0].url,
                    &format!("entry-{n}"),
                    *first_seen,
                )?;
                c.articles += 1;
                // Edits come 20 minutes to a few hours apart.
                let mut at = *first_seen;
                for (i, snap) in snaps.iter().enumerate() {
                    let seq = i as i64 + 1;
                    let previous = (i > 0).then(|| (seq - 1, snaps[i - 1].body.as_str()));
                    let cosmetic = i > 0 && edits[i - 1].0;
                    articles::insert_version(tx, id, seq, snap, cosmetic, None, previous, at)?;
                    c.versions += 1;
                    if i > 0 {
                        let mut change = edits[i - 1].1.change.clone();
                        change.article_id = id;
                        change.from_seq = Some(seq - 1);
                        change.to_seq = Some(seq);
                        c.claim_changes += change.claims.len();
                        changes::insert(tx, &change, at)?;
                        c.changes += 1;
                    }
                    at += 1200 + ((n * 7 + i * 13) % 10_000) as i64;
                }
            }
            Ok(c)
        })?;
        built.articles += counts.articles;
        built.versions += counts.versions;
        built.changes += counts.changes;
        built.claim_changes += counts.claim_changes;
        a = end;
    }
    Ok(built)
}
