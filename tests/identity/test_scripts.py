"""Names beyond Arabic and French/German/English: Russian (and Dagestani, Chechen, Central
Asian names through Russian), Turkish, Persian, Bosnian/Croatian/Serbian, Korean. Each group
holds spellings of one name as public lists, registries and families write them (common names
only, no real person): they share a key; names that only look alike keep their own."""

from __future__ import annotations

import pytest

from homeward.linkage.names import ascii_fold, fold_word, parse_name
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport
from homeward.linkage.scripts import respell, script_of, to_latin

VARIANTS = [
    # Russian and the Caucasus: h written g or kh, -ov/-ova, Cyrillic and Latin lists.
    ("Magomed", "Mohammed", "Muhammad", "Магомед", "Mukhammad", "Мухаммад", "محمد"),
    ("Abdurakhmanov", "Abdurahmanov", "Abdourakhmanov", "Абдурахманов", "Abdurakhmanova"),
    ("Abdurachmanow", "Abdurakhmanov"),  # German lists write Russian х as ch
    ("Dzhokhar", "Джохар", "Jokhar", "Dschochar"),
    ("YUSUPOV", "IUSUPOV", "Jusupow", "Юсупов"),  # IU: Russian passports since 2013
    ("Yahya", "IAKHIA", "Яхья", "يحيى"),
    ("Mariya", "MARIIA", "Maria", "Мария", "مريا"),
    ("Magomedov", "Magomedova", "Магомедов", "Магомедова", "Muhammadov"),
    ("Aliyev", "Aliev", "Alijew", "Алиев", "Aliyeva", "Алиева"),
    ("Mamayev", "Mamaev", "Мамаев", "Mamajew", "Mamaeva"),
    ("Ibragim", "Ibrahim", "Ибрагим", "إبراهيم"),
    ("Khasan", "Hasan", "Hassan", "Хасан", "حسن"),
    ("Gusein", "Guseyn", "Hussein", "Husayn", "Гусейн", "حسين"),
    ("Khabib", "Habib", "Хабиб"),
    ("Patimat", "Fatima", "Патимат", "فاطمة"),
    ("Rizvan", "Ridwan", "Ризван"),
    ("Ramazan", "Ramadan", "Рамазан"),
    ("Akhmed", "Ahmed", "Ахмед", "Ahmet", "أحمد"),
    ("Shamil", "Шамиль", "Şamil", "Schamil"),
    ("Zhanna", "Жанна"),
    # Arabic kh outside a Russian surname stays kh, German ch included (not Russian h).
    ("Lakhdar", "Lachdar", "لخضر"),
    ("Mukhtar", "Muchtar", "مختار"),
    ("Akhmedov", "Ahmedov", "Ахмедов"),
    # Turkish: ş ç ğ ı, lists that lose them, German spellings, Turkish forms of Arabic names.
    ("Şükrü", "Sukru", "Schükrü", "Shukru"),
    ("Çelik", "Celik", "Tschelik", "ÇELİK"),
    ("Erdoğan", "Erdogan"),
    ("Yılmaz", "Yilmaz", "YILMAZ"),
    ("Cemal", "Djemal", "Jamal", "Dschamal", "Džemal", "Джамал", "جمال"),
    ("Mehmet", "Mehmed", "Muhammad"),
    ("Hüseyin", "Huseyin", "Hussein"),
    ("Hatice", "Khadija", "خديجة"),
    ("Ayşe", "Ayse", "Aisha", "Aïcha"),
    ("Ahmetoğlu", "Ahmet Oğlu", "Ahmetoglu"),
    # Persian.
    ("Mohammad", "Mohammed", "محمد"),
    ("Hossein", "Husayn", "Hussein", "حسین"),
    ("Hosseinzadeh", "Hosseinzade", "Hossein-zadeh", "Hossein Zadeh", "Huseynzadə"),
    ("Davud", "Dawud", "Davoud"),
    ("Vahid", "Wahid", "Вахид"),
    # Bosnian, Croatian, Serbian: Latin with and without č ć š ž đ, Serbian Cyrillic, German.
    ("Hodžić", "Hodzic", "Hodschitsch", "Хоџић", "HODŽIĆ"),
    ("Mehmedović", "Mehmedovic", "Mehmedowitsch", "Мехмедовић"),
    ("Đorđević", "Djordjevic", "Ђорђевић"),
    ("Šehić", "Shehich", "Шехић"),
    # Korean: Revised, McCune-Reischauer and North Korean lists, Hangul, hyphens.
    ("Yong", "Young", "Yeong", "용"),
    ("Chol", "Chul", "Cheol", "Ch'ŏl", "철"),
    ("Kim Jong-un", "Kim Jong Un", "KIM JONG UN", "Kim Jeong-eun", "김정은", "Kim Jongun"),
    ("Kim Yong Chol", "KIM YONG CHOL", "Kim Yong-Chol", "KIM YOUNGCHEOL", "김용철"),
    ("Lee Sung-hee", "LEE SUNGHEE", "Ri Song Hui"),
    ("Ri", "Rhee", "Lee", "Yi", "이"),
    ("Pak", "Park", "Bak", "박"),
    ("Choe", "Choi", "최"),
]

DIFFERENT = [
    ("Magomed", "Mahmud"),
    ("Mehmed", "Mahmud"),
    ("Hossein", "Hassan"),
    ("Kim", "Kang"),
    ("Ri", "Kim"),
    ("Choe", "Cho"),
    ("Pak", "Baek"),
    ("Zhanna", "Yana"),
    ("Wahid", "Fahd"),
    ("Wadi", "Fadi"),
    ("Celik", "Selik"),
    ("Khalid", "Hamid"),
    ("Abdurakhmanov", "Abdurakhimov"),
    ("Aliyev", "Aliyeva Amina"),
    ("Hodžić", "Hadžić"),
    ("Yusupov", "Yunusov"),
    ("Çetin", "Çelik"),
    ("Jong", "Yong"),
    ("Ian", "Jan"),
]


def _key(name: str) -> str:
    return " ".join(parse_name(name).keys)


@pytest.mark.parametrize("spellings", VARIANTS, ids=lambda group: group[0])
def test_spellings_of_one_name_share_a_key(spellings: tuple[str, ...]) -> None:
    keys = {spelling: _key(spelling) for spelling in spellings}
    assert len(set(keys.values())) == 1, keys
    assert all(keys.values())


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_names_keep_their_own_key(one: str, other: str) -> None:
    assert _key(one) != _key(other)


@pytest.mark.parametrize(
    ("text", "script"),
    [("Магомед", "cyrillic"), ("محمد", "arabic"), ("김정은", "cjk"), ("Hodžić", "latin")],
)
def test_script_of(text: str, script: str) -> None:
    assert script_of(text) == script


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("Абдурахманов", "abdurakhmanov"),  # as English-language lists write Russian
        ("Хоџић", "hodzhich"),  # Serbian Cyrillic through Gaj's Latin: х is h
        ("Hodžić", "hodzhich"),
        ("Şükrü Çelik", "shukru chelik"),
        ("François", "fransois"),  # French ç before o after n: s, as before
        ("Selçuk", "selchuk"),  # Turkish ç after a consonant
        ("Cüneyt Kılıç", "cuneyt kilich"),  # c in a word without Turkish letters stays
        ("Gülşen Cengiz", "gulshen cengiz"),
        ("김정은", "gim jeong eun"),  # respell makes Gim Kim, Jeong Jong
        ("毛泽东", "mao ze dong"),
        ("Łukasz Øster", "lukasz oster"),
        ("محمد", "محمد"),  # Arabic is names.romanise's
    ],
)
def test_to_latin(text: str, latin: str) -> None:
    assert to_latin(text) == latin


def test_turkish_c_is_dj_in_a_turkish_word() -> None:
    assert to_latin("Cihangir Şen") == "cihangir shen"
    assert to_latin("Cahit Ağca") == "cahit agdja"


def test_ascii_fold_keeps_latin_text_as_before() -> None:
    """Text with French and German diacritics folds as it did before scripts.py."""
    assert ascii_fold("Hélène Müller-Lüdenscheidt d'Aïn") == "helene muller-ludenscheidt dain"
    assert ascii_fold("Straße Œuvre Æsir") == "strasse oeuvre aesir"


@pytest.mark.parametrize("name", ["Ali Kim", "Omar Kim", "Kim Ara", "Mohammed Ali", "Jamal Han"])
def test_only_a_korean_given_name_is_split_into_syllables(name: str) -> None:
    assert len(parse_name(name).keys) == 2


def test_respell_is_stable() -> None:
    """fold_word respells again inside `ben` compounds: a second pass changes nothing."""
    for word in (
        "magomedova",
        "hodzic",
        "sukru",
        "abdurakhmanov",
        "cheol",
        "alijew",
        "lee",
        "iyad",
    ):
        once = respell(word)
        assert respell(once) == once


def test_feminine_surname_meets_the_family() -> None:
    """A sister's -ova report and her brother's -ov one share the family key."""
    sister = normalise(PersonReport(record_id="R1", given_name="Патимат", family_name="Алиева"))
    brother = normalise(PersonReport(record_id="R2", given_name="Magomed", family_name="Aliyev"))
    assert sister.family_key == brother.family_key == fold_word("Aliev")
    assert sister.given_key == fold_word("Fatima")


def test_cyrillic_full_name_report_has_tokens() -> None:
    """Before scripts.py a Cyrillic name had no key at all."""
    report = normalise(PersonReport(record_id="R1", full_name="Магомедов Хабиб Абдулманапович"))
    latin = normalise(PersonReport(record_id="R2", full_name="Habib Magomedov"))
    assert set(latin.name_tokens) <= set(report.name_tokens)
    parts = normalise(PersonReport(record_id="R3", given_name="Хабиб", family_name="Магомедов"))
    assert parts.given_key == fold_word("Habib")
    assert parts.given_phonetic
    assert parts.family_phonetic


@pytest.mark.parametrize(
    ("one", "other"),
    [("Şükrü", "Sukru"), ("Магомед", "Muhammad"), ("Алиева", "Aliev"), ("Çelik", "Celik")],
)
def test_phonetic_keys_agree_too(one: str, other: str) -> None:
    keys = [normalise(PersonReport(record_id="R", given_name=name)) for name in (one, other)]
    assert keys[0].given_phonetic == keys[1].given_phonetic != ""
