"""Name keys: Arabic script to Latin, then every Latin spelling habit to one key.

Arabic script goes through arabic-name-romanizer's dictionary (86,000 attested Arabic→Latin
pairs; its ONNX model is not loaded: keys must be deterministic and fast, and the folding
below absorbs the vowel spellings the model would guess). What no library does is fold the
Latin spellings of one Arabic name together (rigour's name symbols are sets of Wikidata ids
that miss "Jussuf" and "Mouhamed"; jellyfish's phonetic codes were made for English surnames
and keep the German j/French ou apart): that is `fold_word`. Other scripts and traditions
(Cyrillic, Turkish, South Slavic, Persian, Korean) are first written in the spelling these
rules fold by `scripts.py` (`ascii_fold` → `to_latin`, `fold_word` → `respell`).

`parse_name` first splits a name into words: articles dropped (al-, el-, as-, ...; fused
ones before a doubled sun letter too: Essaidi = Saidi); `ben`/`bin`/`ibn`/`bint`/`ould` joined
to the next word as `ben...` (Ben Ali = Bin Ali = Benali); `abd`/`abdel`/`abdul` joined to the
next word; "Abu X"/"Umm X" taken out as the kunya (X is a child's name, never his own); a
nisba (al-Faransi) or, beside a kunya, a demonym ("the Frenchman") taken out as a nation hint;
Maghrebi short forms (Brahim) expanded.

The rules of `fold_word`, in order (each written for a spelling habit seen in real lists):
1. `ben` compounds fold their two halves apart (Benyoussef, Ben Youssef, Benjussuf); `abd`
   compounds lose their article and doubled sun letter: Abdelkader, Abdulkadir,
   Abd al-Qadir → abd+kadir; Abderrahmane, Abdul Rahman → abd+rahman.
2. `iya`/`iyya` → `ia` (Aliya, Alia); final `h` after a vowel is dropped (Fatimah, Abdallah).
3. A word-initial French `ou` before a vowel is `w` (Oualid = Walid).
4. Consonant spellings: German `dsch`, French `dj`, English `j` and German `j`/English `y`
   share one class `y` (Jamal/Djamel/Dschamal, Jussuf/Yusuf, Jasmin/Yasmin); German `sch`,
   French `ch`, English `sh` and `kh` share `x` (Shukri/Choukri/Schukri; Khaled/Chaled);
   `q`, `ck`, hard `c` → `k`; soft `c`, `ç` → `s`; `gh` → `g`; `th` → `t`; `dh` → `d`;
   `ph` → `f`; `v` → `w` (Persian, Turkish and Russian write Arabic w as v: Davud = Dawud,
   Rizvan; German writes Slavic v as w: Iwan); `x` → `ks`.
5. Vowels: `ou`/`oo`/`o`/`u` → u, `a`/`e` → a, `i`/`ee`/vowel `y` → i; a French silent final
   `e` after a consonant is dropped (Yassine = Yasin).
6. Doubled letters collapse; then only the first vowel (class) and a final vowel are kept:
   inner vowels are where transliterations disagree (Mohamed/Muhammad → muhmd), while the
   first vowel and the ending tell names apart (Mahmoud → mahmd, Ali → ali, Alia → ala,
   Karim → karm, Karima → karma, Hassan → hasn, Hussein → husn).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from homeward.linkage.scripts import BOUND_SUFFIXES, respell, split_korean, to_latin
from homeward.linkage.tables import DEMONYMS, DESCRIPTORS, NISBAS, SHORT_FORMS

if TYPE_CHECKING:
    from arabic_name_romanizer import Transliterator

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_TASHKEEL = re.compile(r"[\u064b-\u065f\u0670\u0640]")
_VOWELS = frozenset("aeiou")
_ARABIC_LETTERS = str.maketrans("أإآٱى", "ااااي")
# Articles before a word (al-Faransi, el Masri, as-Suri, at-Tunisi).
ARTICLES = frozenset(
    {"al", "el", "ul", "ad", "ar", "as", "ash", "at", "az", "an", "ed", "er", "es", "et", "ech"}
)
# Son/daughter of: joined to the next word under one spelling (Ben Ali = Bin Ali = Benali).
FILIATION = frozenset({"ben", "bin", "ibn", "bn", "ould", "bent", "bint"})
KUNYA = frozenset({"abu", "abou", "abo", "abi", "umm", "oum", "um", "om"})
ABD = frozenset({"abd", "abdel", "abdul", "abdal", "abdoul", "abdelal"})
ARABIC_KUNYA = frozenset({"ابو", "ام", "ابي"})
_DIGRAPHS = (
    ("dsch", "y"),
    ("tsch", "x"),
    ("sch", "x"),
    ("dzh", "y"),
    ("dj", "y"),
    ("kh", "x"),
    ("sh", "x"),
    ("ch", "x"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
)
_LETTERS = str.maketrans("qvoe", "kwua")
_APOSTROPHES = re.compile(r"[’'`ʿʾ´‘]")


def is_arabic(text: str) -> bool:
    """True when the text holds Arabic-script letters."""
    return bool(_ARABIC.search(text))


def normalise_arabic(text: str) -> str:
    """Arabic without vowel marks or tatweel, alef and yeh forms unified."""
    text = _TASHKEEL.sub("", unicodedata.normalize("NFKC", text))
    return text.translate(_ARABIC_LETTERS)


def ascii_fold(text: str) -> str:
    """Lower-case ASCII from any script but Arabic (`scripts.to_latin`: diacritics removed, or
    written as digraphs where they change the sound: š → sh, Turkish ç → ch, French ç → s),
    apostrophes and ʿayn gone."""
    return _APOSTROPHES.sub("", to_latin(_APOSTROPHES.sub("", text)))


@lru_cache(maxsize=1)
def _transliterator() -> Transliterator:
    from arabic_name_romanizer import Transliterator

    return Transliterator(auto_load_model=False)


@lru_cache(maxsize=65536)
def romanise(text: str) -> str:
    """The most attested Latin spelling of an Arabic-script name (dictionary, then rules)."""
    if not is_arabic(text):
        return text
    result = _transliterator().transliterate(normalise_arabic(text))
    return str(getattr(result, "text", result))


@lru_cache(maxsize=262144)
def fold_word(word: str) -> str:
    """The key of one Latin word (see the module's rules)."""
    word = respell(re.sub(r"[^a-z]", "", ascii_fold(word)))
    if word.startswith("abd") and len(word) > 4:
        rest = re.sub(r"^[aeiouy]+", "", word[3:])
        if rest.startswith("l") and len(rest) > 2:
            rest = rest[1:]
        if len(rest) > 2 and rest[0] == rest[1] and rest[0] not in _VOWELS:
            rest = rest[1:]
        word = "abd" + rest
    if word.startswith("ben") and len(word) > 5:
        return "ban" + fold_word(word[3:])  # Benyoussef = Ben Youssef = Benjussuf
    word = re.sub(r"iy+a", "ia", word)
    word = re.sub(r"(?<=[aeiouy])h$", "", word)
    word = re.sub(r"^ou(?=[aeiy])", "w", word)
    word = word.replace("x", "ks")
    for spelled, sound in _DIGRAPHS:
        word = word.replace(spelled, sound)
    word = re.sub(r"c(?=[eiy])", "s", word).replace("c", "k")
    # j (German, and English after a digraph) joins y, which is a consonant at the start and
    # after a vowel before a vowel (Sayed, Ayoub, Hajar), else a vowel (Maryam = Marjam).
    word = re.sub(r"y+", "y", word.replace("j", "y"))
    word = re.sub(r"(?<=[^aeiou])y|(?<=.)y(?![aeiou])", "i", word)
    if len(word) > 3 and word.endswith("e") and word[-2] not in _VOWELS:
        word = word[:-1]
    word = word.translate(_LETTERS)
    word = re.sub(r"(.)\1+", r"\1", word)
    return _keep_edge_vowels(word)


SKELETON_VOWELS = "[aiu]"
"""The vowel classes left in a key (`fold_word` writes every vowel as a, i or u)."""


def skeleton(key: str) -> str:
    """A key without its vowels: Husayn/Hesin (husn/hasn), Islam/Eslam (islm/aslm) and
    Maudud/Moudud (madd/mudd) keep their first vowel apart in `fold_word`, which tells Ali
    from Ala; their consonants agree (hsn, slm, mdd). Made once per report word
    (`features`, column `name_bones`) and compared as made."""
    return re.sub(SKELETON_VOWELS, "", key)


def _keep_edge_vowels(word: str) -> str:
    """Drop inner vowels: keep the first vowel run's first letter and the final run's last."""
    runs = list(re.finditer(r"[aiu]+", word))
    if not runs:
        return word
    out = []
    position = 0
    for index, run in enumerate(runs):
        out.append(word[position : run.start()])
        if index == 0:
            out.append(run.group()[0])
        elif run.end() == len(word):
            out.append(run.group()[-1])
        position = run.end()
    out.append(word[position:])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name split into its own words and its kunya and nisba, which are not his names."""

    words: tuple[str, ...] = ()
    kunya: str = ""
    nisba_nation: str = ""
    keys: tuple[str, ...] = ()  # fold_word of each word


def _nisba_index() -> tuple[dict[str, str], dict[str, str]]:
    latin: dict[str, str] = {}
    arabic: dict[str, str] = {}
    for nation, spellings in NISBAS.items():
        for spelling in spellings:
            if is_arabic(spelling):
                arabic[normalise_arabic(spelling)] = nation
            else:
                latin[fold_word(spelling)] = nation
    return latin, arabic


_NISBA_LATIN, _NISBA_ARABIC = _nisba_index()
_DEMONYMS = {ascii_fold(word): nation for nation, words in DEMONYMS.items() for word in words}


def nisba_nation(word: str) -> str:
    """ISO alpha-3 code a nisba points at (al-Faransi → FRA, الألماني → DEU), else ''."""
    if is_arabic(word):
        word = normalise_arabic(word)
        return _NISBA_ARABIC.get(word.removeprefix("ال"), "")
    return _NISBA_LATIN.get(fold_word(word), "")


def _arabic_to_latin(text: str) -> tuple[str, str, str]:
    """Take the kunya and nisba out of Arabic-script words; romanise the rest, each word
    without its article (الرحماني is Rahmani, as the Latin lists write it), except in
    compounds (عبد القادر) and الله. Returns the Latin text, the kunya and the nisba."""
    words = normalise_arabic(text).split()
    kunya = nation = ""
    kept: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in ARABIC_KUNYA and index + 1 < len(words):
            take = 3 if words[index + 1] == "عبد" and index + 2 < len(words) else 2
            kunya = fold_word(romanise(" ".join(words[index + 1 : index + take])))
            index += take
            continue
        nisba = nisba_nation(word) if word.startswith("ال") else ""
        if nisba:
            nation = nisba
        elif word.startswith("ال") and len(word) > 3 and word != "الله" and kept[-1:] != ["عبد"]:
            kept.append(word[2:])
        else:
            kept.append(word)
        index += 1
    return _romanise_words(kept), kunya, nation


_JOINS_NEXT = frozenset({"عبد", "بن", "ابن", "بنت"})  # read with the next word


def _romanise_words(words: list[str]) -> str:
    """Romanise word by word (each cached: names repeat, whole names rarely do), keeping a
    compound (عبد القادر) or a filiation (بن علي) as one unit."""
    units: list[str] = []
    for word in words:
        if units and units[-1].split()[-1] in _JOINS_NEXT:
            units[-1] = f"{units[-1]} {word}"
        else:
            units.append(word)
    return " ".join(romanise(unit) for unit in units)


def _strip_fused_article(word: str) -> str:
    """Essaidi, Errahmani, Ezziani: an article fused to a sun letter it doubled (French
    habit). Only before a long enough rest, and never before n, so Anna stays Anna."""
    match = re.match(r"^[ae]([dlrstz])\1(.{4,})$", word)
    return word[2:] if match else word


def _words(text: str) -> tuple[list[str], set[int]]:
    """ASCII words without articles; the positions that had an article before them."""
    article_before: set[int] = set()
    words: list[str] = []
    for word in re.split(r"[^a-z]+", ascii_fold(text)):
        if word in ARTICLES:
            article_before.add(len(words))
        elif word in BOUND_SUFFIXES and words:
            words[-1] += word  # Hossein Zadeh = Hosseinzadeh, Ahmet Oglu = Ahmetoglu
        elif word:
            words.append(SHORT_FORMS.get(word, _strip_fused_article(word)))
    return (words if article_before else split_korean(words)), article_before


@lru_cache(maxsize=262144)
def parse_name(text: str) -> ParsedName:
    """Split a name of any script into words: particles joined (Ben Ali → benali, Abd
    al-Qadir → abdqadir), articles dropped, the kunya and nisba set apart."""
    kunya = nation = ""
    if is_arabic(text):
        text, kunya, nation = _arabic_to_latin(text)
    words, article_before = _words(text)
    has_kunya = any(word in KUNYA for word in words[:-1])
    kept: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        nisba = nisba_nation(word)
        if word in KUNYA and following:
            take = 3 if following in ABD and index + 2 < len(words) else 2
            kunya = fold_word("".join(words[index + 1 : index + take]))
            index += take
            continue
        if nisba and (index in article_before or has_kunya):
            nation = nisba
        elif word.startswith("al") and nisba_nation(word[2:]):
            nation = nisba_nation(word[2:])
        elif has_kunya and (word in DESCRIPTORS or word in _DEMONYMS):
            nation = nation or _DEMONYMS.get(word, "")
        elif (word in FILIATION or word in ABD) and following:
            kept.append(("ben" if word in FILIATION else word) + following)
            index += 2
            continue
        else:
            kept.append(word)
        index += 1
    keys = tuple(key for key in map(fold_word, kept) if key)
    # Words respelled (Sukru as Şükrü, Magomed as Muhammad): the phonetic keys agree too.
    return ParsedName(tuple(map(respell, kept)), kunya, nation, keys)
