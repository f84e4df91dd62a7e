"""What the person is told of the plan, in the contact's language: a draft the officer reads
and edits before sending it through the conversation (nothing is sent without an officer).

The draft names only what the person needs to act: the point and its district, the window in
the point's local time (the person is there, not in UTC), what to bring and the fallback. The
receiving unit, who accompanies and the instructions stay with the officers."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

LANGUAGES = ("en", "fr", "de", "ar")

TEMPLATES = {
    "en": (
        "Hello,\n\n"
        "Your way home is arranged.\n\n"
        "Where: {point} ({area})\n"
        "When: {day}, between {start} and {end} (local time there)\n"
        "What to bring: {bring}\n"
        "If you cannot be there at that time: {fallback}\n\n"
        "Keep this message to yourself. Write to us here if anything changes."
    ),
    "fr": (
        "Bonjour,\n\n"
        "Votre retour est organisé.\n\n"
        "Lieu : {point} ({area})\n"
        "Date : {day}, entre {start} et {end} (heure locale sur place)\n"
        "À apporter : {bring}\n"
        "Si vous ne pouvez pas être là à cette heure : {fallback}\n\n"
        "Gardez ce message pour vous. Écrivez-nous ici si quelque chose change."
    ),
    "de": (
        "Guten Tag,\n\n"
        "Ihre Heimkehr ist vorbereitet.\n\n"
        "Ort: {point} ({area})\n"
        "Zeit: {day}, zwischen {start} und {end} Uhr (Ortszeit dort)\n"
        "Bitte mitbringen: {bring}\n"
        "Wenn Sie zu dieser Zeit nicht dort sein können: {fallback}\n\n"
        "Behalten Sie diese Nachricht für sich. Schreiben Sie uns hier, wenn sich etwas ändert."
    ),
    "ar": (
        "مرحباً،\n\n"
        "تمّ ترتيب طريق عودتك.\n\n"
        "المكان: {point} ({area})\n"
        "الموعد: {day}، بين الساعة {start} والساعة {end} (بالتوقيت المحلي هناك)\n"
        "ما يجب أن تحضره معك: {bring}\n"
        "إذا لم تتمكن من الحضور في هذا الموعد: {fallback}\n\n"
        "احتفظ بهذه الرسالة لنفسك. اكتب لنا هنا إذا تغيّر أي شيء."
    ),
}
NOTHING_TO_BRING = {
    "en": "nothing in particular",
    "fr": "rien de particulier",
    "de": "nichts Besonderes",
    "ar": "لا شيء بعينه",
}
NO_FALLBACK = {
    "en": "write to us here and we will arrange another time",
    "fr": "écrivez-nous ici et nous fixerons un autre moment",
    "de": "schreiben Sie uns hier, dann vereinbaren wir eine andere Zeit",
    "ar": "اكتب لنا هنا وسنرتّب موعداً آخر",
}


def language_of(given: str | None) -> str:
    """The conversation's language if a template exists for it, English otherwise."""
    return given if given in LANGUAGES else "en"


def draft(
    language: str,
    *,
    point: str,
    area: str,
    day: date,
    start: str,
    end: str,
    bring: str,
    fallback: str,
) -> str:
    """The template filled in; the date written out in the language (Babel's CLDR data)."""
    lang = language_of(language)
    return TEMPLATES[lang].format(
        point=point,
        area=area,
        day=format_date(day, format="full", locale=lang),
        start=start,
        end=end,
        bring=bring.strip() or NOTHING_TO_BRING[lang],
        fallback=fallback.strip() or NO_FALLBACK[lang],
    )
