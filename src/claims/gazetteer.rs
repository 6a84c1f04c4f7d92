//! Word lists for the name recogniser: places (countries, capitals, major cities, US states,
//! UK nations and regions), the adjectives of countries, and capitalised words that are not
//! names. All lower case, folded to ASCII (see `names::fold`). Looked up through hash sets
//! built once, so a lookup costs one hash of a short word.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Countries, territories and regions that news copy names as places.
#[rustfmt::skip]
const COUNTRIES: &[&str] = &[
    "afghanistan", "albania", "algeria", "andorra", "angola", "argentina", "armenia", "australia",
    "austria", "azerbaijan", "bahamas", "bahrain", "bangladesh", "barbados", "belarus", "belgium",
    "belize", "benin", "bhutan", "bolivia", "bosnia", "botswana", "brazil", "brunei", "bulgaria",
    "burkina faso", "burundi", "cambodia", "cameroon", "canada", "chad", "chile", "china",
    "colombia", "comoros", "congo", "costa rica", "croatia", "cuba", "cyprus", "czechia",
    "czech republic", "denmark", "djibouti", "dominica", "dominican republic", "ecuador", "egypt",
    "el salvador", "eritrea", "estonia", "eswatini", "ethiopia", "fiji", "finland", "france",
    "gabon", "gambia", "georgia", "germany", "ghana", "greece", "grenada", "guatemala", "guinea",
    "guyana", "haiti", "honduras", "hungary", "iceland", "india", "indonesia", "iran", "iraq",
    "ireland", "israel", "italy", "ivory coast", "jamaica", "japan", "jordan", "kazakhstan",
    "kenya", "kosovo", "kuwait", "kyrgyzstan", "laos", "latvia", "lebanon", "lesotho", "liberia",
    "libya", "liechtenstein", "lithuania", "luxembourg", "madagascar", "malawi", "malaysia",
    "maldives", "mali", "malta", "mauritania", "mauritius", "mexico", "moldova", "monaco",
    "mongolia", "montenegro", "morocco", "mozambique", "myanmar", "burma", "namibia", "nepal",
    "netherlands", "holland", "new zealand", "nicaragua", "niger", "nigeria", "north korea",
    "south korea", "korea", "north macedonia", "norway", "oman", "pakistan", "palestine",
    "panama", "papua new guinea", "paraguay", "peru", "philippines", "poland", "portugal",
    "qatar", "romania", "russia", "rwanda", "samoa", "saudi arabia", "senegal", "serbia",
    "seychelles", "sierra leone", "singapore", "slovakia", "slovenia", "somalia", "south africa",
    "s africa", "south sudan", "spain", "sri lanka", "sudan", "suriname", "sweden", "switzerland",
    "syria", "taiwan", "tajikistan", "tanzania", "thailand", "togo", "tonga", "trinidad", "tobago",
    "tunisia", "turkey", "turkiye", "turkmenistan", "tuvalu", "uganda", "ukraine",
    "united arab emirates", "uae", "united kingdom", "uk", "britain", "great britain",
    "united states", "us", "usa", "america", "uruguay", "uzbekistan", "vanuatu", "venezuela",
    "vietnam", "yemen", "zambia", "zimbabwe", "england", "scotland", "wales", "northern ireland",
    "greenland", "puerto rico", "hong kong", "macau", "gaza", "west bank", "crimea", "donbas",
    "tibet", "xinjiang", "kashmir", "catalonia", "chechnya", "europe", "africa", "asia",
    "antarctica", "arctic", "middle east", "latin america", "caribbean", "balkans", "sahel",
    "java", "bali", "sumatra", "borneo", "sicily", "sardinia", "corsica", "crete", "hawaii",
    "alaska", "siberia", "patagonia", "darfur", "tigray", "kurdistan",
];

/// Capitals and large or often-reported cities.
#[rustfmt::skip]
const CITIES: &[&str] = &[
    "london", "paris", "berlin", "madrid", "rome", "lisbon", "dublin", "brussels", "amsterdam",
    "vienna", "prague", "warsaw", "budapest", "bucharest", "sofia", "athens", "belgrade",
    "zagreb", "kyiv", "kiev", "moscow", "minsk", "vilnius", "riga", "tallinn", "helsinki",
    "stockholm", "oslo", "copenhagen", "reykjavik", "bern", "geneva", "zurich", "milan",
    "naples", "venice", "florence", "barcelona", "seville", "valencia", "porto", "marseille",
    "lyon", "munich", "hamburg", "frankfurt", "cologne", "istanbul", "ankara", "odesa", "odessa",
    "kharkiv", "lviv", "mariupol", "bakhmut", "kherson", "st petersburg", "washington",
    "new york", "los angeles", "chicago", "houston", "dallas", "miami", "boston", "atlanta",
    "seattle", "san francisco", "philadelphia", "detroit", "denver", "phoenix", "las vegas",
    "new orleans", "baltimore", "toronto", "montreal", "vancouver", "ottawa", "mexico city",
    "havana", "bogota", "caracas", "lima", "quito", "santiago", "buenos aires", "sao paulo",
    "rio de janeiro", "rio", "brasilia", "montevideo", "tokyo", "osaka", "beijing", "shanghai",
    "shenzhen", "wuhan", "guangzhou", "seoul", "pyongyang", "taipei", "manila", "hanoi",
    "bangkok", "jakarta", "kuala lumpur", "delhi", "new delhi", "mumbai", "kolkata", "chennai",
    "bangalore", "karachi", "lahore", "islamabad", "kabul", "dhaka", "colombo", "kathmandu",
    "tehran", "baghdad", "damascus", "beirut", "amman", "jerusalem", "tel aviv", "riyadh",
    "jeddah", "mecca", "doha", "dubai", "abu dhabi", "cairo", "alexandria", "tripoli",
    "benghazi", "tunis", "algiers", "rabat", "casablanca", "khartoum", "addis ababa", "nairobi",
    "mogadishu", "kampala", "kigali", "lagos", "abuja", "accra", "dakar", "kinshasa",
    "johannesburg", "cape town", "pretoria", "durban", "harare", "lusaka", "luanda", "sydney",
    "melbourne", "brisbane", "perth", "adelaide", "canberra", "auckland", "wellington",
    "manchester", "birmingham", "liverpool", "leeds", "glasgow", "edinburgh", "cardiff",
    "belfast", "bristol", "sheffield", "newcastle", "nottingham", "leicester", "bradford",
    "oxford", "cambridge", "brighton", "westminster", "hollywood", "gaza city", "kyoto",
    "hiroshima", "mosul", "aleppo", "kandahar", "yangon", "phnom penh", "singapore", "hong kong",
    "haifa", "rafah", "khan younis", "kursk", "belgorod", "donetsk", "luhansk", "zaporizhzhia",
];

#[rustfmt::skip]
const REGIONS: &[&str] = &[
    "alabama", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware",
    "florida", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky", "louisiana", "maine",
    "maryland", "massachusetts", "michigan", "minnesota", "mississippi", "missouri", "montana",
    "nebraska", "nevada", "new hampshire", "new jersey", "new mexico", "north carolina",
    "north dakota", "ohio", "oklahoma", "oregon", "pennsylvania", "rhode island",
    "south carolina", "south dakota", "tennessee", "texas", "utah", "vermont", "virginia",
    "west virginia", "wisconsin", "wyoming", "yorkshire", "lancashire", "kent", "essex",
    "cornwall", "devon", "norfolk", "suffolk", "surrey", "sussex", "cumbria", "merseyside",
    "leicestershire", "ontario", "quebec", "alberta", "british columbia", "queensland",
    "new south wales", "victoria", "tasmania", "bavaria", "punjab", "kerala", "gujarat",
    "bihar", "assam", "manipur", "sindh", "balochistan", "idlib", "west",
];

/// Country or region → its adjectives (and the plural of its people), so that `in Brazil` →
/// `Brazilian` is seen as the same place (CLAIMS.md: a place replaced by its own adjective is
/// no change).
#[rustfmt::skip]
const DEMONYMS: &[(&str, &[&str])] = &[
    ("west", &["western"]), ("afghanistan", &["afghan"]), ("america", &["american"]), ("us", &["american"]),
    ("united states", &["american"]), ("usa", &["american"]), ("argentina", &["argentine", "argentinian"]),
    ("australia", &["australian"]), ("austria", &["austrian"]), ("belgium", &["belgian"]),
    ("brazil", &["brazilian"]), ("britain", &["british", "briton", "brit"]),
    ("uk", &["british", "briton", "brit"]), ("united kingdom", &["british", "briton", "brit"]),
    ("canada", &["canadian"]), ("chile", &["chilean"]), ("china", &["chinese"]),
    ("colombia", &["colombian"]), ("cuba", &["cuban"]), ("denmark", &["danish", "dane"]),
    ("egypt", &["egyptian"]), ("england", &["english"]), ("ethiopia", &["ethiopian"]),
    ("europe", &["european"]), ("africa", &["african"]), ("asia", &["asian"]),
    ("finland", &["finnish", "finn"]), ("france", &["french"]), ("germany", &["german"]),
    ("greece", &["greek"]), ("haiti", &["haitian"]), ("honduras", &["honduran"]),
    ("hungary", &["hungarian"]), ("india", &["indian"]), ("indonesia", &["indonesian"]),
    ("iran", &["iranian"]), ("iraq", &["iraqi"]), ("ireland", &["irish"]),
    ("israel", &["israeli"]), ("italy", &["italian"]), ("japan", &["japanese"]),
    ("kenya", &["kenyan"]), ("korea", &["korean"]), ("north korea", &["north korean"]),
    ("south korea", &["south korean"]), ("lebanon", &["lebanese"]), ("libya", &["libyan"]),
    ("mexico", &["mexican"]), ("netherlands", &["dutch"]), ("nigeria", &["nigerian"]),
    ("norway", &["norwegian"]), ("pakistan", &["pakistani"]), ("palestine", &["palestinian"]),
    ("gaza", &["palestinian"]), ("peru", &["peruvian"]), ("philippines", &["filipino", "philippine"]),
    ("poland", &["polish", "pole"]), ("portugal", &["portuguese"]), ("romania", &["romanian"]),
    ("russia", &["russian"]), ("saudi arabia", &["saudi"]), ("scotland", &["scottish", "scot"]),
    ("serbia", &["serbian", "serb"]), ("somalia", &["somali"]), ("south africa", &["south african"]),
    ("spain", &["spanish", "spaniard"]), ("sudan", &["sudanese"]), ("sweden", &["swedish", "swede"]),
    ("switzerland", &["swiss"]), ("syria", &["syrian"]), ("taiwan", &["taiwanese"]),
    ("thailand", &["thai"]), ("turkey", &["turkish"]), ("ukraine", &["ukrainian"]),
    ("venezuela", &["venezuelan"]), ("vietnam", &["vietnamese"]), ("wales", &["welsh"]),
    ("yemen", &["yemeni"]), ("zimbabwe", &["zimbabwean"]), ("myanmar", &["burmese"]),
    ("sri lanka", &["sri lankan"]), ("bangladesh", &["bangladeshi"]), ("nepal", &["nepali", "nepalese"]),
    ("jamaica", &["jamaican"]), ("ghana", &["ghanaian"]), ("uganda", &["ugandan"]),
    ("rwanda", &["rwandan"]), ("morocco", &["moroccan"]), ("algeria", &["algerian"]),
    ("tunisia", &["tunisian"]), ("jordan", &["jordanian"]), ("qatar", &["qatari"]),
    ("kuwait", &["kuwaiti"]), ("czechia", &["czech"]), ("slovakia", &["slovak"]),
    ("bulgaria", &["bulgarian"]), ("croatia", &["croatian", "croat"]), ("belarus", &["belarusian"]),
    ("georgia", &["georgian"]), ("armenia", &["armenian"]), ("azerbaijan", &["azerbaijani", "azeri"]),
    ("kazakhstan", &["kazakh"]), ("new zealand", &["new zealander"]), ("texas", &["texan"]),
    ("california", &["californian"]), ("london", &["londoner"]), ("moscow", &["muscovite"]),
    ("kurdistan", &["kurdish", "kurd"]), ("tibet", &["tibetan"]), ("arctic", &["arctic"]),
];

/// Capitalised words that never start or make up a name on their own: function words,
/// weekdays and months (months are quantities), adjectives of peoples and faiths, party
/// members, common headline furniture, and all-caps abbreviations that are not bodies.
#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we",
    "i", "you", "his", "her", "their", "our", "my", "your", "there", "here", "what", "who",
    "whom", "when", "where", "why", "how", "which", "after", "before", "as", "at", "in", "on",
    "for", "with", "from", "by", "but", "and", "or", "if", "so", "yet", "now", "new", "more",
    "some", "all", "many", "most", "no", "not", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "once", "while", "over", "under", "about", "amid", "despite",
    "during", "since", "until", "into", "out", "up", "down", "off", "only", "also", "even",
    "still", "just", "every", "each", "both", "any", "other", "another", "such", "than", "then",
    "mr", "mrs", "ms", "dr", "sir", "dame", "lord", "lady", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may",
    "june", "july", "august", "september", "october", "november", "december", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "christmas", "easter",
    "ramadan", "eid", "diwali", "hanukkah", "halloween", "thanksgiving", "brexit", "covid",
    "coronavirus", "omicron", "delta", "olympics", "olympic", "paralympics", "paralympic",
    "watch", "live", "video", "videos", "analysis", "opinion", "update", "updated", "breaking",
    "exclusive", "explainer", "review", "listen", "read", "bbc", "internet", "god", "muslim",
    "muslims", "christian", "christians", "jewish", "jew", "jews", "hindu", "hindus", "sikh",
    "sikhs", "catholic", "catholics", "protestant", "protestants", "islamic", "sunni", "shia", "buddhist",
    "buddhists", "orthodox", "anglican", "anglicans", "evangelical", "evangelicals", "methodist",
    "methodists", "baptist", "baptists", "lutheran", "presbyterian", "pentecostal", "shiite",
    "mormon", "mormons",
    "arab", "arabs", "western", "eastern", "northern", "southern", "latin", "asian", "african",
    "european", "republican", "republicans", "democrat", "democrats", "tory", "tories",
    "conservative", "conservatives", "liberal", "liberals", "socialist", "communist",
    "nazi", "nazis", "soviet", "israelis", "palestinians", "brits", "britons", "americans",
    "kurds", "jihadist", "jihadists", "islamist", "islamists", "tv", "ai", "ceo", "pm", "mp",
    "mps", "gp", "gps", "dna", "gdp", "ufo", "ok", "lgbt", "lgbtq", "vat", "ivf", "hiv", "aids",
    "cctv", "id", "phd", "covid-19", "ev", "evs", "vip", "diy", "faq", "ps", "nb", "am", "pm",
    "is", "are", "was", "were", "be", "has", "have", "had", "do", "does", "did", "will",
    "would", "can", "could", "should", "may", "might", "must", "let", "oh", "yes", "please",
    "thank", "thanks", "hello", "dear", "why", "meanwhile", "however", "today", "tonight",
    "yesterday", "tomorrow", "earlier", "later", "last", "next", "first", "second", "third",
    "former", "late", "ex", "prime", "minister", "president", "king", "queen", "prince",
    "princess", "pope", "chancellor", "secretary", "senator", "governor", "mayor", "judge",
    "general", "chief", "police", "officials", "government", "state", "city", "parliament",
    "court", "army", "people", "man", "woman", "boy", "girl", "children", "family", "mother",
    "father", "son", "daughter", "wife", "husband", "star", "singer", "actor", "actress",
    "earth", "moon", "sun", "suv", "suvs", "atm", "nft", "nfts", "gps", "sms", "vpn", "usb",
    "ad", "bc", "ce", "cbd", "ppe", "ptsd", "adhd", "icu", "ae", "er", "fm", "uv", "iq",
    "thousands", "hundreds", "dozens", "millions", "billions", "tens", "scores",
];

/// The last word of an event, storm, law, award or work: a run ending in one is not a name.
#[rustfmt::skip]
pub(super) const NOT_NAME_HEADS: &[&str] = &[
    "act", "bill", "law", "prize", "prizes", "award", "awards", "cup", "games", "festival",
    "championship", "championships", "olympics", "day", "week", "war", "summit", "show",
    "series", "album", "film", "novel", "book", "song", "tour", "open", "grand prix", "marathon",
    "derby", "final", "finals", "league", "trophy", "medal", "treaty", "accord", "agreement",
    "pact", "convention", "protocol", "doctrine", "plan", "strategy", "budget", "speech",
    "election", "elections", "referendum", "inquiry", "report", "investigation", "scandal",
    "crisis", "pandemic", "virus", "variant", "vaccine", "jab", "eve", "night", "morning",
    "oscars", "oscar", "baftas", "bafta", "grammys", "grammy", "emmys", "emmy", "brits",
];

/// First words of an event or storm name (`Storm Eunice`, `Hurricane Ian`, `Operation X`).
#[rustfmt::skip]
pub(super) const NOT_NAME_LEADS: &[&str] = &[
    "storm", "hurricane", "typhoon", "cyclone", "tropical", "operation", "covid", "world",
];

/// State and province abbreviations written with a period: part of a place (`Fresno, Calif.`).
#[rustfmt::skip]
pub(super) const PLACE_ABBREVS: &[&str] = &[
    "ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla", "ga", "ill", "ind", "kan", "ky",
    "la", "md", "mass", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla", "ore", "pa",
    "tenn", "tex", "va", "vt", "wash", "wis", "wyo",
];

static PLACES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COUNTRIES
        .iter()
        .chain(CITIES)
        .chain(REGIONS)
        .copied()
        .collect()
});

static STOP: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    let mut s: HashSet<&'static str> = NOT_NAMES.iter().copied().collect();
    for (_, adjs) in DEMONYMS {
        s.extend(adjs.iter().copied());
    }
    s
});

static ADJECTIVES: LazyLock<HashMap<&'static str, &'static [&'static str]>> =
    LazyLock::new(|| DEMONYMS.iter().copied().collect());

/// A place of the gazetteer (folded, lower case, words joined by one space).
pub(super) fn is_place(folded: &str) -> bool {
    PLACES.contains(folded)
}

/// A capitalised word that is not a name by itself (folded, lower case). Plurals of peoples
/// (`Cubans`, `Ukrainians`) count as their adjective.
pub(super) fn is_stop(folded: &str) -> bool {
    STOP.contains(folded)
        || folded
            .strip_suffix('s')
            .is_some_and(|w| STOP.contains(w) && w.len() > 3)
}

/// The adjectives (and people nouns) of a place.
pub(super) fn adjectives(place: &str) -> &'static [&'static str] {
    ADJECTIVES.get(place).copied().unwrap_or(&[])
}
