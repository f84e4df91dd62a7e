"""Every script and naming tradition to the one Latin spelling `names.fold_word` folds.

Reports carry names in Cyrillic (Russian, Serbian, Central Asian), Latin with Turkish and
South Slavic letters (ş, ç, ğ, ı; č, ć, š, ž, đ), Hangul and Han, besides Arabic (which
`names.romanise` sends through arabic-name-romanizer's dictionary, not through here). Two
steps, both cached by their callers:

`to_latin` writes a text in lower-case ASCII. Letters that carry a sound the folding keeps
apart become the digraph English-language lists use (š ş → sh, č ć → ch, ž → zh, đ → dj;
Turkish ç and c → ch and dj, French ç → s); other scripts go through anyascii, which writes
Cyrillic as those lists do (Магомед → Magomed, Абдурахманов → Abdurakhmanov), so a name seen
in Cyrillic and the same name copied from a Latin list meet the same rules below. Serbian
Cyrillic is written in Gaj's Latin first (Хоџић → Hodžić); Hangul and Han are written one
syllable a word (김정은 → gim jeong eun), as lists write them (Kim Jong Un).

Why anyascii: one small pure-Python table for every Unicode script (ISC licence, no
dependencies, maintained); Unidecode and `transliterate` are GPL, PyICU needs the ICU C++
library, cyrtranslit covers Cyrillic only. Its scheme is only the starting point: the
tables and `respell` below fold the spellings of each tradition.

`respell` rewrites one ASCII word for the habits of each tradition, from small tables (each
says where it comes from): Russian lists write Arabic h as g or kh (Magomed, Gusein,
Khasan) and add -ov/-ova; German writes -ow and -owitsch; Turkish, Bosnian and Persian lists
lose their letters (Sukru for Şükrü, Hodzic for Hodžić) and have their own forms of Arabic
names (Mehmet, Hatice, -zadeh); Korean names come in three romanisations (Lee, Rhee, Ri).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_CYRILLIC = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
_SERBIAN_ONLY = re.compile(r"[ђћџјљњЂЋЏЈЉЊ]")
# Gaj's Latin for Serbian Cyrillic letters anyascii writes the Russian way (х → kh, ч → ch,
# ћ → c); ц is written ts, as fold_word would read a bare c as k or s.
_SERBIAN = str.maketrans(
    {
        "ћ": "ć",
        "ђ": "đ",
        "џ": "dž",
        "х": "h",
        "ч": "č",
        "ш": "š",
        "ж": "ž",
        "ц": "ts",
        "ј": "j",
        "љ": "lj",
        "њ": "nj",
    }
)
# Latin letters whose sound the folding keeps apart: written as English-language lists write
# them (ICAO 9303 and BGN/PCGN give the same digraphs). Turkish ç is handled by `_turkish`.
_LATIN = str.maketrans(
    {
        "š": "sh",
        "ș": "sh",
        "ş": "sh",
        "č": "ch",
        "ć": "ch",
        "ž": "zh",
        "đ": "dj",
        "ț": "ts",
        "ţ": "ts",
        "ı": "i",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
    }
)
_HANGUL_HAN = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\u3400-\u4dbf\u4e00-\u9fff]")
# Hangul surnames anyascii writes by the letter (이 → I, 박 → Bag) where lists write Ri, Pak.
_HANGUL_SURNAMES = {"이": "ri", "박": "pak", "리": "ri"}
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# Turkish-only letters: a word with one is Turkish, so its c is dj and its ç is ch.
_TURKISH_MARK = re.compile(r"[şğı]|ç(?![aou])|(?<![aeiouyn])ç")
_WORD = re.compile(r"\w+", re.UNICODE)


def script_of(text: str) -> str:
    """The first non-Latin script in a text: arabic, cyrillic or cjk, else latin."""
    if _ARABIC.search(text):
        return "arabic"
    if _CYRILLIC.search(text):
        return "cyrillic"
    if _HANGUL_HAN.search(text):
        return "cjk"
    return "latin"


def to_latin(text: str) -> str:
    """Lower-case ASCII for a text in any script but Arabic (left as it is, for
    `names.romanise`); apostrophes are kept for the caller to drop."""
    if text.isascii():
        return text.lower()
    return _to_latin(text)


@lru_cache(maxsize=65536)
def _to_latin(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _WORD.sub(_word_to_latin, text)
    out: list[str] = []
    for char in text:
        if char.isascii() or _ARABIC.match(char):
            out.append(char)
        elif unicodedata.combining(char):
            continue
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            out.append(base if base.isascii() and base else anyascii(char).lower())
    return "".join(out)


def _word_to_latin(match: re.Match[str]) -> str:
    """One word: Cyrillic and CJK transliterated, Latin letters respelled."""
    word = match.group()
    if _HANGUL_HAN.search(word):
        syllables = (
            _HANGUL_SURNAMES.get(char) or anyascii(char) if _HANGUL_HAN.match(char) else char
            for char in word
        )
        return " ".join(syllables).lower()
    if _CYRILLIC.search(word):
        if _SERBIAN_ONLY.search(word):
            word = word.lower().translate(_SERBIAN)
        else:
            return anyascii(word).lower()
    word = word.replace("İ", "i").lower()
    if "ç" in word or "c" in word:
        word = _turkish(word)
    return word.translate(_LATIN)


def _turkish(word: str) -> str:
    """Turkish c is dj and ç is ch (Cemal = Djemal, Çelik = Tschelik); French ç is s, and it
    stands only before a, o, u after a vowel or n (François), never with ş, ğ, ı."""
    if not _TURKISH_MARK.search(word):
        return word.replace("ç", "s")
    return re.sub(r"c(?![hk])", "dj", word).replace("ç", "ch")


# --- respell: one ASCII word, per tradition --------------------------------------------------

# Russian (and Dagestani, Chechen, Azerbaijani through Russian) forms of Arabic names: Russian
# has no h, and writes Arabic h as g (Магомед, Гусейн, Ибрагим) or kh (Хасан, Ахмед,
# Мухаммад), and Arabic d (dad) as z (Рамазан, Ризван, as Persian and Turkish do); Dagestani
# women's names add -at (Патимат). Spellings as the BGN/PCGN romanisation of the Russian
# forms gives them, which is what UN and OFAC lists carry.
RUSSIAN_FORMS: dict[str, str] = {
    "magomed": "muhammad",
    "magomet": "muhammad",
    "nurmagomed": "nurmuhammad",
    "gasan": "hasan",
    "gusein": "husein",
    "guseyn": "husein",
    "gusejn": "husein",
    "ibragim": "ibrahim",
    "gadzhi": "hajji",
    "gamzat": "hamzat",
    "gamid": "hamid",
    "abdulgamid": "abdulhamid",
    "gabib": "habib",
    "gaydar": "haydar",
    "gaidar": "haydar",
    "geydar": "haydar",
    "khasan": "hasan",
    "khusein": "husein",
    "khuseyn": "husein",
    "khusayn": "husein",
    "khusain": "husein",
    "khamzat": "hamzat",
    "khamza": "hamza",
    "khabib": "habib",
    "khamid": "hamid",
    "khalim": "halim",
    "khadzhi": "hajji",
    "khaydar": "haydar",
    "khaidar": "haydar",
    "khava": "hawa",
    "patimat": "fatima",
    "khadizhat": "khadija",
    "aminat": "amina",
    "khalimat": "halima",
    "mukhammad": "muhammad",
    "mukhammed": "muhammad",
    "mukhamed": "muhammad",
    "mukhamad": "muhammad",
    "mukhamet": "muhammad",
    "akhmed": "ahmed",
    "akhmad": "ahmed",
    "akhmet": "ahmed",
    "makhmud": "mahmud",
    "rakhim": "rahim",
    "rakhman": "rahman",
    "rakhmon": "rahman",
    "abdurakhman": "abdurahman",
    "abdurakhim": "abdurahim",
    "abdulkhamid": "abdulhamid",
    "yakhya": "yahya",
    "yakhia": "yahya",
    "vakhid": "wahid",
    "takhir": "tahir",
    "zakhir": "zahir",
    "shakhid": "shahid",
    "ramazan": "ramadan",
    "rizvan": "ridwan",
}
# Turkish forms of Arabic names (Turkish writes final d as t, kh as h, j as c, w as v), and
# Turkish names as lists write them without their letters (Sukru for Şükrü, Celik for Çelik):
# the most frequent given names and surnames of Turkey's civil registry, spelled as
# `to_latin` writes the Turkish form.
TURKISH_FORMS: dict[str, str] = {
    "ahmet": "ahmed",
    "mehmet": "muhammad",
    "mehmed": "muhammad",
    "muhammet": "muhammad",
    "murat": "murad",
    "halit": "khalid",
    "halil": "khalil",
    "hatice": "khadija",
    "hatidje": "khadija",
    "cuneyt": "djuneyt",
    "recep": "redjep",
    "vahit": "wahid",
    "yakup": "yakub",
    "eyup": "ayub",
    "huseyin": "husein",
    "osman": "uthman",
    "ayse": "aisha",
    "ayshe": "aisha",
    "zeynep": "zaynab",
    "emine": "amina",
    "fadime": "fatima",
    "sukru": "shukru",
    "celik": "chelik",
    "cetin": "chetin",
    "sahin": "shahin",
    "simsek": "shimshek",
    "coskun": "djoshkun",
    "cemal": "djemal",
    "cemil": "djemil",
    "cengiz": "djengiz",
    "cihan": "djihan",
    "selcuk": "selchuk",
    "celebi": "chelebi",
    "ercan": "erdjan",
    "riza": "reza",
}
# Korean surnames in their three romanisations (Revised, McCune-Reischauer, the forms of
# passports and North Korean lists): each to one spelling. Only surnames with variants that
# the folding would keep apart; the given-name syllables are folded by `_korean_syllable`.
KOREAN_SURNAMES: dict[str, str] = {
    "lee": "ri",
    "rhee": "ri",
    "yi": "ri",
    "rhie": "ri",
    "gim": "kim",
    "park": "pak",
    "bak": "pak",
    "bag": "pak",
    "choe": "chwe",  # not Choe: the folding keeps one vowel, and 최 is not 조 (Cho)
    "choi": "chwe",
    "gang": "kang",
    "jung": "chong",
    "jeong": "chong",
    "chung": "chong",
    "jong": "chong",
    "jang": "chang",
    "lim": "rim",
    "shin": "sin",
    "gwon": "kwon",
    "ahn": "an",
    "jeon": "chon",
    "bae": "pae",
    "paek": "baek",  # not Paek: 백 would fold as 박 (Pak)
    "paik": "baek",
    "baeg": "baek",
}
# A Korean name written surname first or last, its given name's two syllables run together
# as South Korean passports write them (KIM YOUNGCHEOL): split like Young-cheol. Only these
# surnames (not Han, Song, Yang: other languages' names too), and only when the second
# syllable starts with a consonant or the first ends in ng (Jong-un), each of two letters.
_KOREAN_ONLY_SURNAMES = frozenset(KOREAN_SURNAMES) | {
    "kim", "ri", "pak", "choe", "kang", "chong", "kwon", "hwang", "yun", "yoon", "cho", "rim"
}  # fmt: skip
_SYLLABLE = (
    r"(?:kk|tt|pp|ss|jj|ch|[gkndtrlmbpsjh])?"
    r"(?:yeo|yae|you|wae|weo|ya|ye|yo|yu|wa|wo|we|wi|ae|eo|eu|ui|oe|ou|oo|ee|a|e|i|o|u)"
    r"(?:ng|[kgnlrmpbt])?"
)
_TWO_SYLLABLES = re.compile(rf"^({_SYLLABLE})({_SYLLABLE})$")
_KOREAN_SYLLABLE = re.compile(
    r"^(?:kk|tt|pp|ss|jj|ch|[gkndtrlmbpsjh])?(?:yeo|eo|eu)(?:ng|[kgnlrmpbt])?$"
)
# Words that a surname or name takes as its own last part when lists write them apart
# (Hossein Zadeh, Ahmet Oglu, Asan Uulu, Asan Kyzy): joined to the word before.
BOUND_SUFFIXES = frozenset(
    {"zadeh", "zade", "zada", "zado", "oglu", "ogly", "ogli", "uulu", "kyzy", "qizi", "gizi"}
)
# Suffix spellings to one form, longest first: German -ow/-owitsch for Russian -ov/-ovich,
# Russian feminine -ova/-eva for the family's -ov/-ev, Persian and Azerbaijani -zadeh/-zada.
_SUFFIXES = (
    ("owitsch", "ovich"),
    ("ewitsch", "evich"),
    ("ovitch", "ovich"),
    ("evitch", "evich"),
    ("zadeh", "zade"),
    ("zada", "zade"),
    ("zado", "zade"),
    ("owa", "ov"),
    ("ewa", "ev"),
    ("ova", "ov"),
    ("eva", "ev"),
    ("ow", "ov"),
    ("ew", "ev"),
)
_RUSSIAN_SURNAME = re.compile(r"(?:ov|ev|ovich|evich|ovna|evna)$")
_GERMAN_RUSSIAN = re.compile(r"dsch|tsch|[oe]wa?$|jewa?$")
_STEM = re.compile(r"^(.{3,}?)(ov|ev|in|zade|oglu|ogly|ogli|uulu|kyzy|qizi|gizi)$")


@lru_cache(maxsize=262144)
def respell(word: str) -> str:
    """One lower-case ASCII word in the spelling every tradition's variant shares (see the
    module docstring); a word no rule touches comes back as it is."""
    if len(word) < 2:
        return word
    if word in KOREAN_SURNAMES:
        return KOREAN_SURNAMES[word]
    if word in ("hui", "heui"):
        return "hi"  # 희: Hee, Hui, Heui (not every ui: Rui is Portuguese)
    if _KOREAN_SYLLABLE.match(word):
        return word.replace("eo", "o").replace("eu", "u")  # Cheol = Chol, Eun = Un
    # Russian passports (ICAO 9303 since 2013) write я, ю, е first as ia, iu, ie: IUSUPOV
    # (not in a short word: Ian is not Jan).
    if len(word) > 4:
        word = re.sub(r"^i(?=[aeou])", "y", word)
    word = word.replace("xh", "dj")  # Albanian: Xhemal = Djemal
    if _GERMAN_RUSSIAN.search(word):  # German writes Russian х as ch: Abdurachmanow, Dschochar
        word = re.sub(r"(?<=[a-z])(?<!s)ch(?=[a-z])", "kh", word)
    word = re.sub(r"dz(?!h)", "dzh", word)  # Bosnian lists without ž: Hodzic = Hodžić
    word = re.sub(r"(?<=[aeiou])je(?=wa?$)", "ye", word)  # German Alijew = Aliyev
    if len(word) > 5:
        for spelled, form in _SUFFIXES:
            if word.endswith(spelled):
                word = word[: -len(spelled)] + form
                break
    word = _forms(word)
    word = re.sub(r"(?<=.)iy+(?=[aeou])", "i", word)  # Aliyev = Aliev, Iliyas = Ilias
    word = re.sub(r"(?<=[aeiou])ye(?=vs?$)", "e", word)  # Mamayev = Mamaev
    # Russian writes Arabic h as kh too (Абдурахманов): inside a Russian surname kh is h
    # (Abdurakhmanov = Abdurahmanov); elsewhere it is Arabic kh (Lakhdar = Lachdar) or a
    # given name in RUSSIAN_FORMS (Akhmed, Mukhammad).
    if _RUSSIAN_SURNAME.search(word):
        word = re.sub(r"(?<=[a-z])kh(?=[a-z])", "h", word)
    # -ić, -ich, -itsch, -ic: one ending (Hodžić, Ходжич, Hodschitsch, Hodzic; Eric = Erich).
    return re.sub(r"(?<=[b-df-hj-np-tvxz])i(?:tsch|tch|ch|c)$", "ik", word)


def _forms(word: str) -> str:
    """A Russian or Turkish form of a name, alone or before a suffix (Magomedov,
    Guseynzade)."""
    for table in (RUSSIAN_FORMS, TURKISH_FORMS):
        if word in table:
            return table[word]
    stem = _STEM.match(word)
    if stem:
        for table in (RUSSIAN_FORMS, TURKISH_FORMS):
            if stem.group(1) in table:
                return table[stem.group(1)] + stem.group(2)
    return word


def split_korean(words: list[str]) -> list[str]:
    """[kim, jongun] → [kim, jong, un]: a two-word Korean name's run-together given name in
    its syllables, as lists write it (Kim Jong Un, Kim Jong-un). Any other list as it is."""
    if len(words) != 2:
        return words
    surname_first = words[0] in _KOREAN_ONLY_SURNAMES
    if not surname_first and words[1] not in _KOREAN_ONLY_SURNAMES:
        return words
    given = words[1] if surname_first else words[0]
    match = _TWO_SYLLABLES.match(given)
    if not match:
        return words
    first, second = match.groups()
    if len(first) < 2 or len(second) < 2:
        return words
    if second[0] in "aeiouyw" and not first.endswith("ng"):
        return words
    return [words[0], first, second] if surname_first else [first, second, words[1]]
