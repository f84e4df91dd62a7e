"""Small reference tables for normalisation: nisbas (nationality adjectives used in noms de
guerre) and places of birth under their names in several languages.

No library ships these: rigour and pycountry know country names, not the Arabic adjective a
fighter takes as a nisba, nor "Monaco di Baviera". Each table is short and hand-checked."""

from __future__ import annotations

# Nisba → ISO 3166 alpha-3, masculine and feminine (al-Faransiya for a woman). Latin
# spellings without the article (normalise strips al-/el-), Arabic ones without ال; both
# are normalised at import (folded, alef forms unified), so only spellings that would
# normalise differently need listing.
NISBAS: dict[str, tuple[str, ...]] = {
    "FRA": (
        "faransi",
        "fransi",
        "firansi",
        "faranci",
        "fransawi",
        "faransawi",
        "فرنسي",
        "faransiya",
        "fransiya",
        "فرنسية",
    ),
    "DEU": ("almani", "almaani", "almany", "elmani", "ألماني", "المانى", "almaniya", "ألمانية"),
    "GBR": (
        "britani",
        "baritani",
        "biritani",
        "bretani",
        "inglizi",
        "ingilizi",
        "بريطاني",
        "britaniya",
        "بريطانية",
    ),
    "USA": (
        "amriki",
        "amreeki",
        "amiriki",
        "amreki",
        "amerki",
        "amriky",
        "أمريكي",
        "amrikiya",
        "أمريكية",
    ),
    "CAN": ("kanadi", "canadi", "kanady", "kanadee", "كندي", "kanadiya", "كندية"),
    "BEL": ("beljiki", "baljiki", "belgiki", "بلجيكي"),
    "NLD": ("holandi", "hollandi", "هولندي"),
    "SWE": ("swidi", "swedi", "سويدي"),
    "AUS": ("ustrali", "australi", "أسترالي"),
    "TUN": ("tunisi", "tounsi", "tunsi", "تونسي"),
    "MAR": ("maghribi", "maghrebi", "مغربي"),
    "DZA": ("jazairi", "djazairi", "dzairi", "جزائري"),
    "EGY": ("masri", "misri", "مصري"),
    "IRQ": ("iraqi", "iraki", "عراقي"),
    "SYR": ("suri", "souri", "سوري"),
    "LBY": ("libi", "liby", "ليبي"),
    "TUR": ("turki", "torki", "تركي"),
}

# Canonical place key → names in several languages and scripts (ASCII-folded at import).
PLACES: dict[str, tuple[str, ...]] = {
    # France
    "paris": ("Paris", "Parigi", "باريس"),
    "marseille": ("Marseille", "Marseilles", "Marsiglia", "مرسيليا"),
    "lyon": ("Lyon", "Lyons", "Lione", "ليون"),
    "toulouse": ("Toulouse", "Tolosa", "تولوز"),
    "nice": ("Nice", "Nizza", "نيس"),
    "lille": ("Lille", "Rijsel", "ليل"),
    "roubaix": ("Roubaix", "روبيه"),
    "strasbourg": ("Strasbourg", "Straßburg", "Strassburg", "Strasburgo", "ستراسبورغ"),
    "toulon": ("Toulon", "Tolone", "تولون"),
    "nantes": ("Nantes", "نانت"),
    "bordeaux": ("Bordeaux", "بوردو"),
    "trappes": ("Trappes", "تراب"),
    # Germany
    "berlin": ("Berlin", "Berlino", "برلين"),
    "hamburg": ("Hamburg", "Hambourg", "Amburgo", "هامبورغ"),
    "munich": ("Munich", "München", "Muenchen", "Monaco di Baviera", "Munique", "ميونخ"),
    "cologne": ("Cologne", "Köln", "Koeln", "Colonia", "كولونيا"),
    "frankfurt": ("Frankfurt", "Frankfurt am Main", "Francfort", "Francoforte", "فرانكفورت"),
    "dusseldorf": ("Düsseldorf", "Duesseldorf", "Dusseldorf", "دوسلدورف"),
    "dortmund": ("Dortmund", "دورتموند"),
    "bonn": ("Bonn", "بون"),
    "solingen": ("Solingen", "زولينغن"),
    "wuppertal": ("Wuppertal", "فوبرتال"),
    # United Kingdom
    "london": ("London", "Londres", "Londra", "لندن"),
    "birmingham": ("Birmingham", "برمنغهام"),
    "manchester": ("Manchester", "مانشستر"),
    "cardiff": ("Cardiff", "Caerdydd", "كارديف"),
    "portsmouth": ("Portsmouth", "بورتسموث"),
    "luton": ("Luton", "لوتون"),
    "leeds": ("Leeds", "ليدز"),
    "bradford": ("Bradford", "برادفورد"),
    "sheffield": ("Sheffield", "شيفيلد"),
    "leicester": ("Leicester", "ليستر"),
    # United States
    "minneapolis": ("Minneapolis", "مينيابوليس"),
    "new york": ("New York", "New York City", "NYC", "Nueva York", "نيويورك"),
    "chicago": ("Chicago", "شيكاغو"),
    "houston": ("Houston", "هيوستن"),
    "seattle": ("Seattle", "سياتل"),
    "los angeles": ("Los Angeles", "LA", "Los Ángeles", "لوس أنجلوس"),
    "dallas": ("Dallas", "دالاس"),
    "detroit": ("Detroit", "ديترويت"),
    "dearborn": ("Dearborn", "ديربورن"),
    # Canada
    "toronto": ("Toronto", "تورونتو"),
    "montreal": ("Montreal", "Montréal", "مونتريال"),
    "calgary": ("Calgary", "كالغاري"),
    "ottawa": ("Ottawa", "أوتاوا"),
    "vancouver": ("Vancouver", "فانكوفر"),
    "edmonton": ("Edmonton", "إدمونتون"),
    "quebec": ("Québec", "Quebec City", "Ville de Québec", "كيبك"),
    # Elsewhere in Europe
    "brussels": ("Brussels", "Bruxelles", "Brüssel", "Brussel", "Bruxelas", "بروكسل"),
    "antwerp": ("Antwerp", "Antwerpen", "Anvers", "أنتويرب"),
    "vienna": ("Vienna", "Wien", "Vienne", "فيينا"),
    "geneva": ("Geneva", "Genève", "Genf", "Ginevra", "جنيف"),
    "rome": ("Rome", "Roma", "Rom", "روما"),
    "milan": ("Milan", "Milano", "Mailand", "ميلانو"),
    "the hague": ("The Hague", "Den Haag", "'s-Gravenhage", "La Haye", "لاهاي"),
    "copenhagen": ("Copenhagen", "København", "Kopenhagen", "Copenhague", "كوبنهاغن"),
    "amsterdam": ("Amsterdam", "أمستردام"),
    "stockholm": ("Stockholm", "Stoccolma", "ستوكهولم"),
    # North Africa and the Middle East
    "algiers": ("Algiers", "Alger", "Algier", "Argel", "El Djazair", "الجزائر"),
    "oran": ("Oran", "Wahran", "وهران"),
    "tunis": ("Tunis", "Tunisi", "تونس"),
    "casablanca": ("Casablanca", "Dar el Beida", "Dar al-Bayda", "الدار البيضاء"),
    "tangier": ("Tangier", "Tanger", "Tangeri", "Tanja", "طنجة"),
    "cairo": ("Cairo", "Le Caire", "Kairo", "El Qahira", "القاهرة"),
    "damascus": ("Damascus", "Damas", "Damaskus", "Damasco", "Dimashq", "دمشق"),
    "aleppo": ("Aleppo", "Alep", "Halab", "حلب"),
    "beirut": ("Beirut", "Beyrouth", "Bairut", "بيروت"),
    "baghdad": ("Baghdad", "Bagdad", "بغداد"),
    "mosul": ("Mosul", "Mossoul", "Mossul", "Al-Mawsil", "الموصل"),
    "raqqa": ("Raqqa", "Rakka", "Raqqah", "الرقة"),
}

# Words a partner's note puts before a nom de guerre ("the Frenchman Abu Mariam"): dropped
# from the name; a demonym hints at the nation as a nisba does. Only read beside a kunya,
# since French, German or Allemand are also family names.
DEMONYMS: dict[str, tuple[str, ...]] = {
    "FRA": ("frenchman", "french", "français", "franzose", "französische"),
    "DEU": ("german", "allemand", "deutsche", "deutscher"),
    "GBR": ("briton", "british", "englishman", "britannique", "anglais", "brite", "engländer"),
    "USA": ("american", "américain", "amerikaner"),
    "CAN": ("canadian", "canadien", "kanadier"),
    "BEL": ("belgian", "belge", "belgier"),
}
DESCRIPTORS = frozenset(
    {"the", "le", "la", "l", "der", "die", "das", "known", "as", "dit", "genannt", "alias", "aka"}
)

# Maghrebi short forms that drop the first syllable: the same name as the full form.
SHORT_FORMS: dict[str, str] = {
    "brahim": "ibrahim",
    "brahimi": "ibrahimi",
    "mhamed": "mohamed",
    "hmed": "ahmed",
    "smail": "ismail",
    "slimane": "suleiman",
    "sliman": "suleiman",
}
