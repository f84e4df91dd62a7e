"""Spellings of one name share a key; different names do not; reports become keys."""

from __future__ import annotations

import jellyfish
import pytest

from homeward.linkage.names import parse_name
from homeward.linkage.normalise import birth_date, normalise, place_key
from homeward.linkage.reports import PersonReport

# Synthetic variant table: common names only, as registries, families and the men write them.
VARIANTS = [
    ("Mohammed", "Muhammad", "Mohamed", "Mouhamed", "Mohamad", "Muhammed", "محمد"),
    ("Youssef", "Yusuf", "Jussuf", "Youcef", "Yousef", "يوسف"),
    ("Abdelkader", "Abd al-Qadir", "Abdulkadir", "Abdel Kader", "عبد القادر"),
    ("Abdallah", "Abdullah", "Abdellah", "Abd Allah", "عبد الله"),
    ("Abderrahmane", "Abdul Rahman", "Abdurrahman", "Abd al-Rahman", "عبد الرحمن"),
    ("Mahmoud", "Mahmud", "Mahmood", "محمود"),
    ("Hussein", "Houssein", "Husain", "Hussain", "حسين"),
    ("Shukri", "Choukri", "Schukri", "شكري"),
    ("Jamal", "Djamel", "Dschamal", "جمال"),
    ("Khaled", "Khalid", "Chaled", "خالد"),
    ("Yassine", "Yasin", "Yacine", "ياسين"),
    ("Mustafa", "Moustapha", "Mostafa", "مصطفى"),
    ("Maryam", "Mariam", "Meriem", "Marjam", "مريم"),
    ("Sufyan", "Soufiane", "Sufjan", "سفيان"),
    ("Hajar", "Hadjer", "Hadjar"),
    ("Alia", "Aliya", "Aliyah", "Aliyya"),
    ("Zakaria", "Zakariya", "Zakariyya", "Zakariyah", "زكريا"),
    ("Fatima", "Fatma", "Fatimah", "فاطمة"),
    ("Oualid", "Walid", "وليد"),
    ("Ayoub", "Ayub", "Ayyoub", "أيوب"),
    ("Jasmin", "Yasmin", "ياسمين"),
    ("Ben Ali", "Benali", "Bin Ali", "ibn Ali", "BEN-ALI", "بن علي"),
    ("Chérif", "Cherif", "Sharif", "al-Sharif", "Scharif"),
    ("Müller", "Mueller", "Muller"),
    ("Benyoussef", "Ben Youssef", "Benjussuf", "بن يوسف"),
    ("Rahmani", "Errahmani", "al-Rahmani", "الرحماني"),
    ("Saidi", "Essaidi", "El Saidi", "السعيدي"),
    ("Ibrahim", "Brahim", "إبراهيم"),
    ("Samir Rahmani", "سمير الرحماني"),
]
DIFFERENT = [
    ("Mohamed", "Mahmoud"),
    ("Ali", "Alia"),
    ("Karim", "Karima"),
    ("Hassan", "Hussein"),
    ("Omar", "Ammar"),
    ("Yusuf", "Yasin"),
    ("Amin", "Amina"),
    ("Said", "Sayed"),
    ("Nadia", "Nadir"),
    ("Anna", "Na"),
    ("Assia", "Sia"),
]


def _key(name: str) -> str:
    return " ".join(parse_name(name).keys)


@pytest.mark.parametrize("spellings", VARIANTS, ids=lambda group: group[0])
def test_spellings_of_one_name_share_a_key(spellings: tuple[str, ...]) -> None:
    keys = {spelling: _key(spelling) for spelling in spellings}
    assert len(set(keys.values())) == 1, keys
    assert all(keys.values())


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_names_do_not_collapse(one: str, other: str) -> None:
    assert _key(one) != _key(other)


def test_raw_jaro_winkler_fails_where_keys_match() -> None:
    """The point of the keys: plain string similarity sees nothing across scripts."""
    for latin, arabic in [("Mohammed", "محمد"), ("Youssef", "يوسف"), ("Abdelkader", "عبد القادر")]:
        assert jellyfish.jaro_winkler_similarity(latin, arabic) < 0.5
        assert _key(latin) == _key(arabic)
    for one, other in [
        ("Abd al-Qadir", "Abdelkader"),
        ("Dschamal", "Djamel"),
        ("Chaled", "Khalid"),
    ]:
        assert jellyfish.jaro_winkler_similarity(one, other) < 0.8
        assert _key(one) == _key(other)


@pytest.mark.parametrize(
    ("text", "kunya", "nation"),
    [
        ("Abu Mariam al-Faransi", "marm", "FRA"),
        ("Abou Maryam el-Fransi", "marm", "FRA"),
        ("أبو مريم الفرنسي", "marm", "FRA"),
        ("Abu Hamza al-Almani", "hamza", "DEU"),
        ("ابو حمزة الالماني", "hamza", "DEU"),
        ("Abu Yusuf al-Britani", "yusf", "GBR"),
        ("Abu Talha al-Amriki", "talha", "USA"),
        ("Abu Bakr al-Kanadi", "bakr", "CAN"),
        ("Umm Khadija al-Faransiya", "xadya", "FRA"),
        ("أم خديجة الفرنسية", "xadya", "FRA"),
        ("Umm Yusuf al-Almaniya", "yusf", "DEU"),
        ("Abu Muhammad", "muhmd", ""),
        ("the Frenchman Abu Tarek", "tark", "FRA"),
        ("le Français Abou Tarek", "tark", "FRA"),
        ("Abu Abdul Rahman el-Faransi", "abdrhmn", "FRA"),
        ("أبو عبد الرحمن الفرنسي", "abdrhmn", "FRA"),
    ],
)
def test_kunya_and_nisba(text: str, kunya: str, nation: str) -> None:
    parsed = parse_name(text)
    assert (parsed.kunya, parsed.nisba_nation, parsed.words) == (kunya, nation, ())


@pytest.mark.parametrize("name", ["Ahmed Masri", "Dawn French", "the Masri"])
def test_nisba_or_demonym_without_kunya_or_article_is_a_name(name: str) -> None:
    parsed = parse_name(name)
    assert parsed.nisba_nation == ""
    assert len(parsed.keys) == 2


def test_reports_of_one_man_share_keys() -> None:
    registry = PersonReport(
        record_id="R1",
        full_name="BEN ALI Mohammed",
        dob="1994-08-16",
        place_of_birth="Roubaix",
        nationality=("FRA",),
    )
    mother = PersonReport(record_id="R2", given_name="Mohamed", family_name="Benali", dob="1994")
    himself = PersonReport(
        record_id="R3",
        name_arabic="محمد بن علي",
        aliases=("Abu Mariam al-Faransi",),
        dob="1994-08",
    )
    swapped = PersonReport(record_id="R4", given_name="Benali", family_name="Mouhamed")
    keys = [normalise(report) for report in (registry, mother, himself, swapped)]
    assert {key.full_key for key in keys} == {"banali muhmd"}
    assert keys[0].given_key == keys[1].given_key == "muhmd"
    assert keys[0].family_key == keys[1].family_key == "banali"
    assert (keys[2].kunya, keys[2].nisba_nation) == ("marm", "FRA")
    assert [key.dob_year for key in keys[:3]] == [1994, 1994, 1994]
    assert keys[2].dob_month == 8
    assert keys[0].place_key == "roubaix"
    assert keys[0].given_phonetic


def test_row_is_flat_for_a_data_frame() -> None:
    row = normalise(
        PersonReport(record_id="R1", given_name="Yusuf", nationality=("GBR", "FRA"))
    ).as_row()
    assert row["nationalities"] == ["FRA", "GBR"]
    assert row["name_tokens"] == ["yusf"]
    assert all(isinstance(value, str | int | bool | list | type(None)) for value in row.values())


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("1994-08-06", (1994, 8, 6, False, "1994-06-08")),
        ("1994-08-16", (1994, 8, 16, False, "")),
        ("1994-03-03", (1994, 3, 3, False, "")),
        ("1994-02", (1994, 2, None, False, "")),
        ("~1990", (1990, None, None, True, "")),
        ("", (None, None, None, False, "")),
    ],
)
def test_birth_date_parts(value: str, parts: tuple[object, ...]) -> None:
    dob = birth_date(value)
    assert (dob.year, dob.month, dob.day, dob.approx, dob.swapped) == parts


def test_swap_only_when_the_day_could_be_a_month() -> None:
    assert birth_date("1994-02-01").swapped == "1994-01-02"
    assert birth_date("1995-01-31").swapped == ""  # 31 is no month


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (("Munich", "München", "Muenchen", "MUNCHEN", "Monaco di Baviera", "ميونخ"), "munich"),
        (("Cologne", "Köln", "Koeln"), "cologne"),
        (("Algiers", "Alger", "الجزائر"), "algiers"),
        (("The Hague", "Den Haag", "La Haye"), "the hague"),
        (("Saint-Denis", "saint denis"), "saint denis"),
    ],
)
def test_places_in_several_languages(names: tuple[str, ...], key: str) -> None:
    assert {place_key(name) for name in names} == {key}
