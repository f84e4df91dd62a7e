"""The demo's world, made through the services as officers would make it: synthetic letters,
a reply, a letter routed by the coordination cell and one waiting to be routed, cases on three
desks in several stages (one with a screening assessment waiting for the FRA supervisor's
review, one cleared by a reviewed screening decision, one lost contact, a child brought home
through a child-protection handover whose close request waits for the supervisor, a child whose
handover to child protection waits for the coordination cell's confirmation), a transfer
waiting for France, a case the coordination cell may read, a small registry in the identity
index, and three debrief reports on the first FRA case (one released to GBR, one under the
ORCON caveat the FRA desk officer does not hold, and its sanitised copy the desk officer reads).
Every person, place and document number here is invented."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.approvals import service as approvals
from homeward.audit import service as audit
from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases import transfers, transitions
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.release_basis import Basis
from homeward.cases.states import Stage
from homeward.contact import inbox as inbox_service
from homeward.contact import service as contact_service
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.debrief import service as debrief
from homeward.debrief.schemas import Entry, ReportDraft, Sanitising
from homeward.households import child_protection
from homeward.identity import imports as identity_imports
from homeward.identity.service import Protection
from homeward.linkage.reports import read_csv
from homeward.screening import service as screening

# Synthetic letters: invented people and places, written for the demo. (desk, the language of
# the page it was written on, text)
LETTERS = (
    (
        "FRA",
        "en",
        "Bonjour. My son left Roubaix two years ago and now wants to come home. He is afraid. "
        "What should he do first?",
    ),
    (
        "DEU",
        "de",
        "Ich bin Deutscher und möchte aufhören. Ich bin in der Nähe eines Flusses und habe "
        "keinen Pass mehr.",
    ),
    (
        "unknown",
        "en",
        "I was born in Europe but I do not know which desk is mine. My mother is "
        "Canadian and my father is French.",
    ),
    (
        "FRA",
        "fr",
        "C'est la mère d'un jeune homme parti en 2015. Il m'a appelée la semaine dernière.",
    ),
    ("GBR", "en", "My brother is from Leeds. He says he wants out but he does not trust anyone."),
    (
        "unknown",
        "ar",
        "أكتب إليكم من أجل زوجي. هو ألماني أو فرنسي، لا أعرف بالضبط. نحن في مخيم ونريد "
        "الخروج مع أطفالنا.",
    ),
)
ROUTED = (2, "FRA", "His father is French; the French desk can see whether Canada should take it.")
"""(letter, desk, reason): the coordination cell routed this one; the desk has not opened it,
so it may still send it back."""
REPLY = (
    "Thank you for writing. Please tell us, when you can, a safe way and time to reach you. "
    "Do not put your codename in any message."
)


@dataclass(frozen=True)
class Step:
    stage: Stage
    by: str
    note: str = ""
    verified_by: str = ""


@dataclass(frozen=True)
class DemoCase:
    opened_by: str
    given_names: str
    family_name: str
    date_of_birth: str
    place_of_birth: str
    nationalities: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    letter: int | None = None
    steps: tuple[Step, ...] = ()
    release: tuple[str, ...] = ()
    transfer_to: str = ""
    note: str = ""
    screening: str = ""
    """After the steps: `submitted` (an assessment waiting for the supervisor's review) or a
    decision (`eligible`), which clears the case."""


_CONTACT = Step(Stage.IN_CONTACT, "fra.officer")
_VERIFIED = Step(
    Stage.IDENTITY_VERIFIED,
    "fra.officer",
    "Birth certificate and family record book seen at the consulate; matches the registry.",
    verified_by="fra.supervisor",
)
CASES = (
    DemoCase(
        "fra.officer",
        "Mohamed",
        "Benali",
        "1994",
        "Roubaix",
        ("FRA",),
        aliases=("Abu Mariam al-Faransi",),
        letter=0,
        steps=(_CONTACT, _VERIFIED),
        note="Called the mother on the agreed number; he can call on Fridays only.",
        screening="submitted",
    ),
    DemoCase(
        "fra.officer",
        "Karim",
        "Haddad",
        "1991-03-02",
        "Marseille",
        ("FRA",),
        steps=(_CONTACT, _VERIFIED),
        screening="eligible",
    ),
    DemoCase("fra.officer", "Yacine", "Merabet", "~1997", "Toulouse", ("FRA",), ("Abou Ilyas",), 3),
    DemoCase(
        "fra.officer", "Sofiane", "Bouzid", "1989", "Lille", ("DZA", "FRA"), steps=(_CONTACT,)
    ),
    DemoCase(
        "fra.officer",
        "Thomas",
        "Leroy",
        "1992-05-09",
        "Nice",
        ("FRA",),
        steps=(
            _CONTACT,
            Step(Stage.LOST_CONTACT, "fra.officer", "No answer on any channel for six weeks."),
        ),
    ),
    DemoCase(
        "deu.officer",
        "Jonas",
        "Weber",
        "1995-07-12",
        "Duisburg",
        ("DEU",),
        letter=1,
        steps=(Step(Stage.IN_CONTACT, "deu.officer"),),
    ),
    DemoCase(
        "deu.officer",
        "Lukas",
        "Brandt",
        "1998",
        "München",
        ("DEU", "FRA"),
        transfer_to="FRA",
    ),
    DemoCase(
        "gbr.officer", "Adam", "Clarke", "1996", "Leeds", ("GBR",), letter=4, release=("IRQ",)
    ),
)

# A national registry as a desk would import it (the exchange format); one line per report.
_HEADER = (
    "record_id,given_name,family_name,full_name,father_name,aliases,name_arabic,dob,"
    "place_of_birth,nationality,sex,document_number,address\n"
)
REGISTRIES = {
    "fra.officer": _HEADER
    + "FRA-REG-0001,Mohammed,BEN ALI,,,,,1994-08-16,Roubaix,FRA,M,18FR44821,\n"
    "FRA-REG-0002,Karim,HADDAD,,,,,1991-03-02,Marseille,FRA,M,17FR90233,\n"
    "FRA-REG-0003,Yacine,MERABET,,,Abu Ilyas,,1997,Toulouse,FRA,M,,\n"
    "FRA-REG-0004,Sofiane,BOUZID,,Rachid,,,1989-11-20,Lille,FRA;DZA,M,12FR55310,\n"
    "FRA-REG-0005,Thomas,LEROY,,,,,1992-05-09,Nice,FRA,M,,\n"
    "FRA-REG-0006,Inès,BENALI,,,,,1996-01-30,Roubaix,FRA,F,19FR11872,\n"
    "FRA-REG-0007,Lukas,BRANDT,,,,,1998-10-03,Munich,FRA;DEU,M,,\n",
    "deu.officer": _HEADER + "DEU-REG-0001,Jonas,WEBER,,,,,1995-07-12,Duisburg,DEU,M,C01X00T47,\n"
    "DEU-REG-0002,Mehmet,YILDIZ,,,,,1993-02-25,Wolfsburg,DEU;TUR,M,C02Y88K12,\n"
    "DEU-REG-0003,Lukas,BRANDT,,,,,1998-10-03,München,DEU;FRA,M,C03L55B20,\n",
}


class Keyrings:
    """Each demo officer's keys, unlocked once with the password made for this install."""

    def __init__(self, session: Session, runtime: Runtime, credentials: dict[str, str]) -> None:
        self.session, self.runtime, self.credentials = session, runtime, credentials
        self.unlocked: dict[str, Keyring] = {}

    def __call__(self, username: str) -> Keyring:
        if username not in self.unlocked:
            officer = accounts_service.find_officer(session=self.session, username=username)
            if officer is None:
                raise LookupError(f"no demo officer {username}")
            self.unlocked[username] = accounts_service.unlock(
                officer=officer, password=self.credentials[username], cost=self.runtime.cost
            )
        return self.unlocked[username]


def build(session: Session, runtime: Runtime, credentials: dict[str, str]) -> None:
    keyring = Keyrings(session, runtime, credentials)
    for username, caveats in DEBRIEF_CAVEATS.items():
        # Before anyone signs in: a keyring carries the caveats its officer held at unlock.
        officer = accounts_service.find_officer(session=session, username=username)
        if officer is None:
            raise LookupError(f"no demo officer {username}")
        accounts_service.set_caveats(
            session=session, actor=audit.SYSTEM, officer_id=officer.id, caveats=caveats
        )
    for username in credentials:
        if username.endswith(".officer"):
            # As at a real sign-in: the desk key reaches the colleagues added after the
            # first, so every desk officer and supervisor reads the desk's letters at once.
            accounts_service.grant_pending_keys(session=session, keyring=keyring(username))
    conversations = _letters(session, runtime, keyring)
    for username, text in REGISTRIES.items():
        identity_imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=keyring(username).principal,
            reports=read_csv(text),
            protection=Protection(),
        )
    case_ids = [_case(session, runtime, keyring, demo, conversations) for demo in CASES]
    _debriefs(session, runtime, keyring, case_ids[0])
    _child_home_close_waiting(session, runtime, keyring)
    _child_handover_waiting(session, runtime, keyring)


def _letters(session: Session, runtime: Runtime, keyring: Keyrings) -> list[str]:
    """The letters' conversation ids, in order; the first has the FRA desk's answer."""
    conversations = []
    for desk, language, text in LETTERS:
        # As the contact pages do: the codename from the page's word list, the page's language
        # kept with the letter (the inbox shows it, and answers are drafted in it).
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost, language=language
        )
        contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text=text,
            desk_code=desk,
            files=[],
            max_chars=runtime.settings.message_max_chars,
            language=language,
        )
        conversation = contact.conversation
        if conversation is None:
            raise LookupError("the letter made no conversation")
        conversations.append(conversation.id)
    inbox_service.reply(
        session=session,
        keyring=keyring("fra.officer"),
        conversation_id=conversations[0],
        text=REPLY,
    )
    letter, desk, reason = ROUTED
    inbox_service.route(
        session=session,
        keyring=keyring("irq.coordinator"),
        secrets=runtime.secrets,
        conversation_id=conversations[letter],
        desk_code=desk,
        reason=reason,
    )
    return conversations


def _case(
    session: Session,
    runtime: Runtime,
    keyring: Keyrings,
    demo: DemoCase,
    conversations: list[str],
) -> str:
    """The case opened and taken through its steps: its id."""
    identity = ClaimedIdentity(
        given_names=demo.given_names,
        family_name=demo.family_name,
        aliases=list(demo.aliases),
        date_of_birth=demo.date_of_birth,
        place_of_birth=demo.place_of_birth,
        nationalities=list(demo.nationalities),
    )
    case = case_flows.open_case(
        session=session,
        keyring=keyring(demo.opened_by),
        secrets=runtime.secrets,
        settings=runtime.settings,
        data=case_service.CaseOpen(
            identity=identity,
            conversation_ids=[] if demo.letter is None else [conversations[demo.letter]],
            release=list(demo.release),
            basis=Basis(
                "vital_interest", grounds="Demo: the Iraqi desk protects him where he is held."
            )
            if demo.release
            else None,
        ),
    )
    for step in demo.steps:
        transitions.transition(
            session=session,
            keyring=keyring(step.by),
            secrets=runtime.secrets,
            case_id=case.id,
            to_stage=step.stage.value,
            note=step.note,
            verified_by=step.verified_by,
        )
    if demo.note:
        transitions.add_note(
            session=session,
            keyring=keyring(demo.opened_by),
            secrets=runtime.secrets,
            case_id=case.id,
            text=demo.note,
        )
    if demo.screening:
        _screening(session, runtime, keyring, case.id, demo.screening)
    if demo.transfer_to:
        transfers.request_transfer(
            session=session,
            keyring=keyring(demo.opened_by),
            secrets=runtime.secrets,
            case_id=case.id,
            to_nation=demo.transfer_to,
            reason="Dual national; his family in Strasbourg asked the French desk to take it.",
            basis=Basis(
                "consent",
                given_on=utcnow().date(),
                how="In his second letter: he agrees that the French desk takes his case.",
            ),
        )
    return case.id


DEBRIEF_CAVEATS = {"fra.supervisor": ["ORCON"], "gbr.supervisor": ["ORCON"]}
"""Handling caveats of the demo (the FRA desk officer holds none, so an ORCON report stays
hidden from fra.officer while fra.supervisor reads it)."""


def _debrief_draft(title: str, days_ago: int, **labels: object) -> ReportDraft:
    """A synthetic session with the returnee of the first FRA case."""
    draft = ReportDraft(
        title=title,
        session_on=utcnow().date() - timedelta(days=days_ago),
        subject="Mohamed Benali (invented)",
        sections={
            "people": [Entry("Abu Hamza (invented)", "Said to have met him at the border")],
            "places": [Entry("Guest house near Raqqa (invented)", "Stayed three weeks", "SY")],
            "events": [Entry("Journey out", "Left by bus in March 2015, then on foot")],
            "organisations": [Entry("Invented brigade", "A unit he says he cooked for")],
            "methods": [Entry("Letters by hand", "How he says messages travelled")],
        },
        text="Synthetic demo session: calm, consistent with his letters; no one real is named.",
    )
    for name, value in labels.items():
        setattr(draft, name, value)
    return draft


def _debriefs(session: Session, runtime: Runtime, keyring: Keyrings, case_id: str) -> None:
    """Three reports by the FRA supervisor (who may write and release): one released to GBR on
    a legal basis; one SECRET under ORCON with its `methods` section marked above the report;
    and that one's sanitised copy, RESTRICTED, without the caveat or the methods."""
    writer, secrets, settings = keyring("fra.supervisor"), runtime.secrets, runtime.settings
    debrief.write(
        session=session,
        keyring=writer,
        secrets=secrets,
        settings=settings,
        case_id=case_id,
        draft=_debrief_draft(
            "First session: the journey out",
            20,
            classification=2,
            release=["GBR"],
            basis=Basis("legal_obligation", grounds="Demo: bilateral exchange agreement."),
        ),
    )
    source = debrief.write(
        session=session,
        keyring=writer,
        secrets=secrets,
        settings=settings,
        case_id=case_id,
        draft=_debrief_draft(
            "Second session: people he names",
            12,
            classification=3,
            caveats=["ORCON"],
        ),
    )
    debrief.sanitise(
        session=session,
        keyring=writer,
        secrets=secrets,
        settings=settings,
        report_id=source.id,
        data=Sanitising(
            classification=1,
            release=[],
            reason="For the desk officers who follow his return: no source detail.",
            caveats=[],
            drop=["methods", "people"],
            text="Sanitised: he describes the journey and the guest house; names left out.",
        ),
    )


SCREENING_ANSWERS: dict[str, object] = {
    "joining_year": 2015,
    "joining_way": "travelled_with_others",
    "joining_account": "Synthetic: left with two friends after online talks.",
    "still_with_group": "no",
    "leaving_reasons": ["disillusioned", "family"],
    "roles_held": ["support"],
    "role_account": "Synthetic: drove supplies between two towns; says he never fought.",
    "role_corroborated": "partly",
    "risk_signs": ["none_seen"],
    "risk_assessment": "Synthetic: account steady over three calls; no sign of continued support.",
    "risk_to_him": "yes",
    "psychological_needs": "some_signs",
    "housing": "family_home",
    "family_contact": "yes",
    "exit_willing": "willing",
}
"""A synthetic assessment against the shipped instrument."""


def _screening(
    session: Session, runtime: Runtime, keyring: Keyrings, case_id: str, outcome: str
) -> None:
    """Written and submitted by the desk officer; reviewed by the supervisor unless it is left
    waiting (`submitted`)."""
    assessment = screening.create(
        session=session,
        keyring=keyring("fra.officer"),
        secrets=runtime.secrets,
        settings=runtime.settings,
        case_id=case_id,
        answers=SCREENING_ANSWERS,
    )
    screening.submit(
        session=session,
        keyring=keyring("fra.officer"),
        secrets=runtime.secrets,
        assessment_id=assessment.id,
    )
    if outcome != "submitted":
        screening.review(
            session=session,
            keyring=keyring("fra.supervisor"),
            secrets=runtime.secrets,
            assessment_id=assessment.id,
            decision=outcome,
            reasons="Security check done; no objection. Account consistent with the registry.",
        )


def _child_with_handover(
    session: Session,
    runtime: Runtime,
    desk: Keyring,
    child: ClaimedIdentity,
    details: child_protection.Organisation,
) -> tuple[str, str]:
    """A FRA child's case opened by the desk and its handover to a child-protection
    organisation recorded: the case's id and the handover's."""
    case = case_flows.open_case(
        session=session,
        keyring=desk,
        secrets=runtime.secrets,
        settings=runtime.settings,
        data=case_service.CaseOpen(identity=child),
    )
    handover = child_protection.record(
        session=session, keyring=desk, secrets=runtime.secrets, case_id=case.id, details=details
    )
    return case.id, handover.id


def _child_home_close_waiting(session: Session, runtime: Runtime, keyring: Keyrings) -> None:
    """A FRA child's case brought home through a child-protection handover (the desk and the
    coordination cell each confirm it happened), its arrival recorded, and the desk's request
    to close it waiting: the FRA supervisor's approvals queue shows a close request."""
    desk, now = keyring("fra.officer"), utcnow()
    case_id, handover_id = _child_with_handover(
        session,
        runtime,
        desk,
        ClaimedIdentity(
            given_names="Lina",
            family_name="Merabet",
            date_of_birth="2016-04-11",
            place_of_birth="Toulouse",
            nationalities=["FRA"],
        ),
        child_protection.Organisation(
            "Synthetic children's aid society",
            planned_at=now - timedelta(days=3),
            contact="Duty social worker (invented)",
            place="Reception centre, invented town",
        ),
    )
    word = child_protection.Word(
        True, happened_at=now - timedelta(days=3), received_by="Duty social worker (invented)"
    )
    for side in ("fra.officer", "irq.coordinator"):
        child_protection.confirm(
            session=session,
            principal=keyring(side).principal,
            secrets=runtime.secrets,
            handover_id=handover_id,
            word=word,
            now=now - timedelta(days=2),  # each side said so two days ago
        )
    child_protection.record_arrival(
        session=session,
        keyring=desk,
        secrets=runtime.secrets,
        case_id=case_id,
        arrived_at=now - timedelta(days=1),
        note="Received by her grandmother in Toulouse with the social worker.",
    )
    approvals.request(
        session=session,
        keyring=desk,
        secrets=runtime.secrets,
        case_id=case_id,
        kind="close",
        comment="Home with her grandmother; the children's services follow her. Nothing left.",
    )


def _child_handover_waiting(session: Session, runtime: Runtime, keyring: Keyrings) -> None:
    """A FRA child's case, still new, whose handover to a child-protection organisation the desk
    recorded and confirmed: it waits for the coordination cell's word (irq.coordinator's
    Children page; the case page says whose confirmation is missing)."""
    desk, now = keyring("fra.officer"), utcnow()
    _, handover_id = _child_with_handover(
        session,
        runtime,
        desk,
        ClaimedIdentity(
            given_names="Sami",
            family_name="Ouali",
            date_of_birth="2014-09-02",
            place_of_birth="Lille",
            nationalities=["FRA"],
        ),
        child_protection.Organisation(
            "Synthetic child-protection partner (UNICEF-supported, invented)",
            planned_at=now - timedelta(hours=5),
            contact="Case worker on duty (invented)",
            place="Interim care centre, invented town",
        ),
    )
    child_protection.confirm(
        session=session,
        principal=desk.principal,
        secrets=runtime.secrets,
        handover_id=handover_id,
        word=child_protection.Word(
            True, happened_at=now - timedelta(hours=4), received_by="Case worker on duty"
        ),
    )
