"""Build the French, German and Arabic codename word lists from wordfreq's frequency lists.

Run once, by hand, never at install or run time (wordfreq is not a dependency of Homeward):

    python3 -m venv /tmp/wordfreq && /tmp/wordfreq/bin/pip install wordfreq==3.1.1
    PYTHONPATH=/tmp/wordfreq/lib/python3.11/site-packages:src .venv/bin/python \
        tools/make_wordlists.py

It writes src/homeward/crypto/wordlists/{fr,de,ar}.txt; English (en.txt) is the EFF long list,
kept as it is so existing codenames still sign in. Words are taken most frequent first and kept
when they are plain (French and German: a-z only, so nobody needs an accent, umlaut or ß to
type them; Arabic: Arabic letters only), of a reasonable length, not on the deny-list below,
and more than one edit (Levenshtein distance 1) away, after folding, from every word already
kept in any list, English included: a single typo never turns one word into another. French
and German words more frequent in English than in their own language (loans, names, English
itself) are left out.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

import wordfreq  # type: ignore[import-not-found]

from homeward.crypto.codename import fold

OUT = Path(__file__).resolve().parent.parent / "src/homeward/crypto/wordlists"
SIZE = 4096
"""Words per list: 12 bits a word, so 8 words give 96 bits."""
SKIP_MOST_FREQUENT = 150
"""Articles, pronouns and other grammar words lead the frequency lists; a codename of them
would read as a broken sentence."""

LATIN = re.compile(r"[a-z]{4,8}")
ARABIC = re.compile(r"[\u0621-\u063a\u0641-\u064a]{3,6}")
ARABIC_PREFIXES = ("ال", "وال", "بال", "لل", "فال", "كال")
"""The article and a preposition or conjunction glued to it: the bare word is the one to keep."""

NEIGHBOURS = ("en", "fr", "de", "es", "it", "pt", "nl")
FOREIGN = 0.25
"""A French or German word at least a quarter as frequent in a neighbouring language is a name
(ontario, monique, minsk), a loan or the neighbour's own word: left out."""
ARABIC_PROCLITICS = "وبلفكس"
ARABIC_ENCLITICS = ("هما", "ها", "هم", "هن", "كم", "كما", "نا", "ني", "ك", "ه", "ي", "تم")
GLUED_BASE = 1e-6
"""How frequent (per word of text) the bare word must be to count as the word it is glued to."""

# Words that would be cruel, frightening, crude or religiously or politically charged in a
# codename given to a person leaving an armed group. Compared after folding.
DENY = {
    "fr": """mort morts morte mortes tuer tueur tuent tuez meurtre meurtres assassin guerre
        guerres arme armes armee bombe bombes sang balle balles fusil fusils obus mine mines
        otage otages prison prisons police juge juges crime crimes viol viols violer terreur
        attentat martyr martyrs dieu dieux allah jesus christ islam coran bible eglise priere
        prier saint sainte saints diable enfer paradis juif juifs juive arabe arabes musulman
        chretien pape imam jihad djihad califat merde putain pute putes connard conne salope
        salaud salauds bite couille couilles enculer nique niquer baiser sexe sexy porno nazi
        nazis hitler raciste negre mourir meurt meurent suicide cadavre cadavres drogue drogues
        cocaine syrie irak iran israel daech chiite sunnite soldat soldats combat combats
        tirer tireur explosion victime victimes torture sexuel sexuelle gay pedophile""",
    "de": """tod tot tote toten mord morde morden krieg kriege waffe waffen bombe bomben blut
        kugel kugeln gewehr schuss granate geisel knast polizei gericht richter folter terror
        attentat gott gottes allah jesus christus islam koran bibel kirche moschee gebet beten
        heilig teufel hoelle jude juden moslem muslim muslime christ papst imam dschihad
        scheisse scheiss arsch fick ficken hure huren schlampe fotze wichser schwanz nazi nazis
        hitler neger schwul leiche leichen drogen kokain syrien irak iran israel soldat soldaten
        kampf kampfes schiessen sterben stirbt starb opfer sex sexy porno mist verdammt""",
    "ar": """الله اله رب ربي ربنا دين اسلام مسلم مسلمين مسلمون مسيحي يهود يهودي كافر كفار كفر
        شيعه شيعي سني سنه جهاد مجاهد مجاهدين شهيد شهداء صلاه صلي مسجد كنيسه قران نبي رسول محمد
        عيسي موسي جنه نار جهنم شيطان ملائكه حرام حلال فتوي امام شيخ خليفه خلافه داعش قتل قتلي
        قاتل مقتل يقتل موت ميت يموت مات حرب حروب سلاح اسلحه قنبله رصاص رصاصه بندقيه صاروخ
        انفجار تفجير ارهاب ارهابي دم دماء ذبح سجن سجين اعدام اغتصاب شرطه مخابرات جيش عسكري
        اسير عدو خائن عميل كلب كلاب حمار خنزير شرموطه قحبه زب كس نيك منيوك عاهره زنا سوريا
        العراق ايران اسرائيل امريكا جنود جندي معركه قتال""",
}


DENY_STEMS = tuple(
    """sex porn orgas nazi hitler jesu juda jud islam musli moslem chret christ eglis kirch
    papst pape gott heilig scheich bomb terror guerr krieg tuer meurtr mort mord assassin viol
    cadavr leich suicid selbstmord prostitu pedo paedo nigg negr drog waff arme attaqu attent
    otage fusil angriff kampf opfer toet tode todes blut sanglant merd salop baise pute fick
    hure arsch scheiss schwul""".split()  # noqa: SIM905 - a word list reads better as text
)
"""French and German beginnings that mark a whole family of such words."""


def too_close_keys(word: str) -> set[str]:
    """The word and every one-letter deletion of it, each deletion tagged with its place: two
    words of equal length one substitution apart share a tagged deletion, and a word one
    insertion away from another has that other word among its deletions."""
    keys = {f"={word}"}
    for at in range(len(word)):
        rest = word[:at] + word[at + 1 :]
        keys.add(f"-{rest}")
        keys.add(f"{at}:{rest}")
    return keys


class Kept:
    """Folded words kept so far, indexed for the distance-1 test."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def near(self, word: str) -> bool:
        if f"={word}" in self.keys or f"-{word}" in self.keys:
            return True  # the same word, or a kept word is this one with a letter more
        rests = [word[:at] + word[at + 1 :] for at in range(len(word))]
        if any(f"={rest}" in self.keys for rest in rests):
            return True  # this word is a kept one with a letter more
        return any(f"{at}:{rest}" in self.keys for at, rest in enumerate(rests))

    def add(self, word: str) -> None:
        self.keys |= too_close_keys(word)


def plain(language: str, word: str) -> bool:
    if language == "ar":
        return bool(ARABIC.fullmatch(word)) and not word.startswith(ARABIC_PREFIXES)
    if not LATIN.fullmatch(word) or word.startswith(DENY_STEMS):
        return False
    own = wordfreq.word_frequency(word, language)
    return all(
        wordfreq.word_frequency(word, other) < own * FOREIGN
        for other in NEIGHBOURS
        if other != language
    )


def glued(word: str) -> bool:
    """An Arabic word that is a commoner word with a conjunction, preposition or future prefix
    before it (ل + سياسة) or a pronoun after it (أبرز + ها, شخصية + ك): the bare word is kept
    instead, when it is plain enough to be kept at all."""
    bases = [word[1:]] if word[0] in ARABIC_PROCLITICS else []
    for suffix in ARABIC_ENCLITICS:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)]
            bases += [stem, stem[:-1] + "ة"] if stem.endswith("ت") else [stem]
    return any(wordfreq.word_frequency(base, "ar") >= GLUED_BASE for base in bases)


DENY_INSIDE_AR = """قتل ذبح جهاد مجاهد شهيد ارهاب تفجير سلاح رصاص حرب الله كفر سجن اغتصاب دماء نيك
    شرموط قحب خنزير عاهر""".split()  # noqa: SIM905 - a word list reads better as text
"""Arabic roots and words that mark such a word wherever they stand in it."""


def denied(language: str, folded: str, deny: set[str]) -> bool:
    if folded in deny:
        return True
    if language == "ar" and any(fold(bad) in folded for bad in DENY_INSIDE_AR):
        return True
    # An Arabic word may carry a one-letter conjunction or preposition (و ب ل ف ك).
    return language == "ar" and folded[:1] in "وبلفك" and folded[1:] in deny


def build(language: str, kept: Kept, size: int) -> list[str]:
    deny = {fold(word) for word in DENY[language].split()}
    chosen: list[str] = []
    candidates: Iterable[str] = wordfreq.top_n_list(language, 400_000)
    for rank, word in enumerate(list(candidates)[SKIP_MOST_FREQUENT:], SKIP_MOST_FREQUENT):
        if not plain(language, word):
            continue
        folded = fold(word)
        if language == "ar" and (glued(word) or not 3 <= len(folded) <= 6):
            continue
        if denied(language, folded, deny) or kept.near(folded):
            continue
        kept.add(folded)
        chosen.append(word)
        if len(chosen) == size:
            print(f"{language}: the last word kept is the {rank}th most frequent")  # noqa: T201
            return chosen
    sys.exit(f"{language}: only {len(chosen)} words found, {size} wanted")


def main() -> None:
    kept = Kept()
    for word in (OUT / "en.txt").read_text(encoding="utf-8").split():
        kept.add(fold(word))
    for language in ("fr", "de", "ar"):
        words = build(language, kept, SIZE)
        (OUT / f"{language}.txt").write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
        print(f"{language}: {len(words)} words, wordfreq {version('wordfreq')}")  # noqa: T201


if __name__ == "__main__":
    main()
