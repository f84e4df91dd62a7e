"""Family in a letter: whether a contact's letters speak of family, and opening a member's case
already linked to the household of the case the letter opened.

The look for family words is a plain word list in the four languages the contact pages speak
(English, French, German, Arabic), not a judgement: it only decides whether the page offers
the step first; an officer may always open a member's case by hand. The member's case is owned
by the desk that opens it (the member's nation defaults to it) and is opened, linked and (for a
child without a date of birth) given an age estimate in the caller's one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import children
from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases.identity import SEXES, ClaimedIdentity
from homeward.cases.models import Case
from homeward.core.errors import BadInput, NotFound
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.households import service as households
from homeward.households.models import BASES, RELATIONSHIPS
from homeward.policy import check as policy
from homeward.policy import roles

FAMILY_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "wife", "husband", "son", "sons", "daughter", "daughters", "child", "children", "kids",
        "baby", "mother", "father", "brother", "sister", "family", "grandson", "granddaughter",
    ),
    "fr": (
        "ma femme", "épouse", "mon mari", "fils", "fille", "filles", "enfant", "enfants", "bébé",
        "mère", "père", "frère", "sœur", "soeur", "famille", "petit-fils", "petite-fille",
    ),
    "de": (
        "meine frau", "ehefrau", "mein mann", "ehemann", "sohn", "söhne", "tochter", "töchter",
        "kind", "kinder", "baby", "mutter", "vater", "bruder", "schwester", "familie", "enkel",
    ),
    "ar": (
        "زوج", "زوجة", "زوجت", "ابن", "ابنة", "ابنت", "بنت", "أبناء", "أولاد", "طفل", "أطفال",
        "والدة", "والدت", "والد", "أخت", "عائلة", "عائلت", "أسرة", "أسرت", "حفيد", "حفيدة",
    ),
}  # fmt: skip
"""Words that say a letter may concern family members, by page language. Arabic ones are
stems: they also match with a conjunction or preposition (و ف ب ل) and the article before them
and a possessive after (my, his, her, their, our: زوجتي، ابنه، أطفالهم), and the short أم أب أخ
(mother, father, brother) only with a possessive, since alone أم is also "or"."""
ARABIC_BEFORE = "(?:[وفبل])?(?:ال)?"
ARABIC_AFTER = "(?:ي|ه|ها|هما|هم|نا|ك)?"
ARABIC_OWNED = ("أم", "أب", "أخ")
"""Arabic words that count only with a possessive after them."""


def _pattern() -> re.Pattern[str]:
    latin = sorted({w for lang in ("en", "fr", "de") for w in FAMILY_WORDS[lang]}, key=len)
    words = "|".join(re.escape(word) for word in reversed(latin))
    stems = "|".join(re.escape(word) for word in sorted(FAMILY_WORDS["ar"], key=len)[::-1])
    owned = "|".join(re.escape(word) for word in ARABIC_OWNED)
    arabic = rf"{ARABIC_BEFORE}((?:{stems}){ARABIC_AFTER}|(?:{owned})(?:ي|ه|ها|هما|هم|نا|ك))"
    return re.compile(rf"(?<!\w)(?:({words})|{arabic})(?!\w)", re.IGNORECASE)


FAMILY_PATTERN = _pattern()


def mentions(texts: Iterable[str]) -> list[str]:
    """The family words found in `texts`, each once, in the order first found (lower case)."""
    found: dict[str, None] = {}
    for text in texts:
        for match in FAMILY_PATTERN.finditer(text):
            found.setdefault((match.group(1) or match.group(2)).lower(), None)
    return list(found)


@dataclass(frozen=True)
class NewMember:
    """What the officer knows of a family member named in a letter."""

    relation: str
    """One of RELATIONSHIPS: what the member is to the case whose household it joins."""
    given_names: str = ""
    family_name: str = ""
    sex: str = ""
    date_of_birth: str = ""
    age_years: int | None = None
    """A child's age estimate, when there is no date of birth."""
    age_basis: str = ""
    link_basis: str = "stated"
    nationalities: list[str] = field(default_factory=list)
    """Empty: the desk's nation."""


def _checked(member: NewMember) -> None:
    """Refusals naming the field, before anything is written."""
    if member.relation not in RELATIONSHIPS:
        raise BadInput("relation", f"choose one of: {', '.join(RELATIONSHIPS)}")
    if member.link_basis not in BASES:
        raise BadInput("basis", f"choose one of: {', '.join(BASES)}")
    if not (member.given_names.strip() or member.family_name.strip()):
        raise BadInput("given_names", "give at least a given name or a family name")
    if member.sex.strip().upper() not in SEXES:
        raise BadInput("sex", "M, F, X or empty when not known")
    if member.age_years is None:
        return
    if member.date_of_birth.strip():
        raise BadInput("age_years", "give a date of birth or an age estimate, not both")
    if not 0 <= member.age_years < children.ADULT_AT:
        raise BadInput(
            "age_years", f"an estimate is for a child: 0 to {children.ADULT_AT - 1} years"
        )
    if member.age_basis not in children.BASES:
        raise BadInput("age_basis", f"say how the age is known: {', '.join(children.BASES)}")


def open_member(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
    member: NewMember,
) -> tuple[Case, str]:
    """Open the member's case at this desk (at the level of the case it joins, released to no
    one) and link it to the case's household; returns the new case and the link's id."""
    principal = keyring.principal
    policy.require_permission(principal, roles.HOUSEHOLD_LINK)
    anchor = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if anchor.owner_nation != principal.nation:
        raise NotFound("case")
    _checked(member)
    case = case_flows.open_case(
        session=session,
        keyring=keyring,
        secrets=secrets,
        settings=settings,
        data=case_service.CaseOpen(
            identity=ClaimedIdentity(
                given_names=member.given_names,
                family_name=member.family_name,
                date_of_birth=member.date_of_birth,
                nationalities=member.nationalities or [principal.nation],
                sex=member.sex,
            ),
            classification=anchor.classification,
        ),
    )
    link_id = households.link(
        session=session,
        principal=principal,
        secrets=secrets,
        case_id=anchor.id,
        member_reference=case.reference,
        relation=member.relation,
        basis=member.link_basis,
    )
    if member.age_years is not None:
        children.record_estimate(
            session=session,
            keyring=keyring,
            secrets=secrets,
            case_id=case.id,
            years=member.age_years,
            basis=member.age_basis,
        )
    return case, link_id
