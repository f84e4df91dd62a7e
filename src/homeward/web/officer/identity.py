"""Officer pages for identity: "who might this be" for a case, with each candidate's evidence
as a waterfall chart (inline SVG, no script), confirm and reject forms; a page to import a
national registry file or type a report. Every form carries the CSRF token."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import flows as case_flows
from homeward.core.errors import BadInput, TooLarge
from homeward.identity import browse as identity_browse
from homeward.identity import imports as identity_imports
from homeward.identity import search as identity_search
from homeward.identity import service as identity_service
from homeward.identity.waterfall import Bar, Waterfall, waterfall
from homeward.linkage import reports as reports_file
from homeward.linkage.reports import PersonReport, ReportsRefused
from homeward.policy import check as policy
from homeward.policy import roles
from homeward.policy.labels import Classification
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer.deps import SignedIn, render, require_csrf
from homeward.web.params import COUNT_MAX

router = APIRouter(prefix="/officer", include_in_schema=False)
MAX_UPLOAD = 20 * 1024 * 1024
MAX_FIELD = 4000
Csrf = Annotated[str, Form()]
Line = Annotated[str, Form(max_length=300)]


FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "given_name": ("given name", ("given_name",)),
    "family_name": ("family name", ("family_name",)),
    "other_names": ("other names", ("full_name", "name_arabic", "aliases")),
    "name_frequency": ("how common the name is", ("full_name", "name_arabic", "aliases")),
    "father_name": ("father's name", ("father_name",)),
    "kunya": ("kunya (Abu X)", ("aliases",)),
    "nation": ("nationality", ("nationality",)),
    "date_of_birth": ("date of birth", ("dob",)),
    "place_of_birth": ("place of birth", ("place_of_birth",)),
    "sex": ("sex", ("sex",)),
    "document": ("document number", ("document_number",)),
    "address": ("address", ("address",)),
}
"""Each comparison of the model, in words, and the report fields it reads."""
LEVEL_WORDS = {
    "exact": "same",
    "given and family": "same",
    "given and family swapped": "given and family names swapped",
    "same sound": "sounds the same",
    "Jaro-Winkler >= 0.92": "spelling variant",
    "Jaro-Winkler >= 0.90": "spelling variant",
    "Jaro-Winkler >= 0.88": "spelling variant",
    "Jaro-Winkler >= 0.80": "distant spelling",
    "Jaro-Winkler >= 0.75": "distant spelling",
    "among the other's names": "among the other's names",
    "one edit": "one character apart",
    "else": "different",
}
NULL_LEVEL = "null"
BOTH_NAMES = "given and family"
BOTH_FIELDS = ("given_name", "family_name")


@dataclass(frozen=True)
class ChartRow:
    """One bar of the chart: what was compared, both values, the verdict and its weight; the
    bar's start and width on the plot's 0–100 scale."""

    label: str
    left: str
    right: str
    verdict: str
    bar: Bar
    x: float
    width: float

    @property
    def compared(self) -> str:
        """ "Mohamed ↔ Mohammed: spelling variant +9.20"."""
        values = f"{self.left or '—'} ↔ {self.right or '—'}: " if self.left or self.right else ""
        return f"{values}{self.verdict} {self.bar.text}"


@dataclass(frozen=True)
class Chart:
    """The waterfall as the page draws it, one table row per comparison made (the fields one
    side lacks folded into one line), so that it takes the page's width and its words wrap."""

    rows: list[ChartRow]
    not_compared: list[str]
    zero_x: float
    """Where zero is, across the plot's 0–100 (the bars' x and width are on the same scale)."""
    source: str
    probability: float
    match_weight: float


def _value(report: PersonReport, names: tuple[str, ...]) -> str:
    parts: list[str] = []
    for name in names:
        value = getattr(report, name)
        parts.extend(value if isinstance(value, tuple) else [value] if value else [])
    separator = " " if names == BOTH_FIELDS else "; "
    return separator.join(str(part) for part in parts)


def _percent(drawn: Waterfall, x: float) -> float:
    return round((x - drawn.plot_left) * 100 / (drawn.plot_right - drawn.plot_left), 2)


def _row(drawn: Waterfall, bar: Bar, label: str, values: tuple[str, str], verdict: str) -> ChartRow:
    x = _percent(drawn, bar.x)
    width = max(_percent(drawn, bar.x + bar.width) - x, 0.4)
    return ChartRow(label, values[0], values[1], verdict, bar, x, round(width, 2))


def chart_of(case_report: PersonReport, candidate: identity_search.Candidate) -> Chart:
    drawn = waterfall(candidate.score)
    rows: list[ChartRow] = []
    missing: list[str] = []
    evidence = list(candidate.score.evidence)
    both_names = False
    for index, bar in enumerate(drawn.bars):
        if bar.kind in {"prior", "final"}:
            verdict = "before any evidence" if bar.kind == "prior" else bar.detail
            rows.append(_row(drawn, bar, bar.label, ("", ""), verdict))
            continue
        item = evidence[index - 1]
        label, names = FIELDS.get(item.comparison, (item.comparison.replace("_", " "), ()))
        if item.level == BOTH_NAMES:  # one piece of evidence for the two names together
            both_names, label, names = True, "given and family names", BOTH_FIELDS
        if item.level == NULL_LEVEL:
            # The name's frequency only weighs a name level above it: not a field of its own.
            quiet = item.comparison == "name_frequency"
            if not quiet and not (both_names and item.comparison == "family_name"):
                missing.append(label)
            continue
        left, right = _value(case_report, names), _value(candidate.report.report, names)
        if item.comparison == "nation":  # a nisba (al-Faransi) speaks for a nationality
            left = left or _value(case_report, ("aliases",))
            right = right or _value(candidate.report.report, ("aliases",))
        verdict = LEVEL_WORDS.get(item.level, item.level)
        rows.append(_row(drawn, bar, label, (left, right), verdict))
    view = candidate.report
    source = f"{view.source} report {view.report.record_id} ({view.owner_nation})"
    return Chart(
        rows=rows,
        not_compared=missing,
        zero_x=_percent(drawn, drawn.zero_x),
        source=source,
        probability=drawn.probability,
        match_weight=drawn.match_weight,
    )


@router.get("/cases/{case_id}/identity")
def case_identity(
    request: Request, session: DbSession, case_id: str, keyring: SignedIn
) -> Response:
    runtime = runtime_of(request)
    principal = keyring.principal
    found = case_flows.case_candidates(
        session=session, secrets=runtime.secrets, principal=principal, case_id=case_id
    )
    owner = found.owner_nation == principal.nation
    asked = case_flows.case_report(found.reference, found.identity)
    return render(
        request,
        "identity.html",
        principal=principal,
        found=found,
        rows=[(candidate, chart_of(asked, candidate)) for candidate in found.found.candidates],
        levels={int(level): level.name for level in Classification},
        may_decide=owner and roles.may(principal.role, roles.IDENTITY_DECIDE),
        may_index=owner and roles.may(principal.role, roles.IDENTITY_IMPORT),
    )


def _back(case_id: str) -> Response:
    return RedirectResponse(f"/officer/cases/{case_id}/identity", status_code=303)


@router.post("/cases/{case_id}/identity/report")
def index_case(
    request: Request, session: DbSession, case_id: str, *, keyring: SignedIn, csrf: Csrf = ""
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    case_flows.index_case(
        session=session, secrets=runtime.secrets, principal=keyring.principal, case_id=case_id
    )
    return _back(case_id)


@router.post("/cases/{case_id}/identity/decisions")
def decide(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    report_id: Annotated[str, Form(max_length=32)] = "",
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    probability: Annotated[float | None, Form(ge=0, le=1)] = None,
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    case_flows.decide_for_case(
        session=session,
        secrets=runtime.secrets,
        principal=keyring.principal,
        case_id=case_id,
        report_id=report_id,
        decision=decision,
        reason=reason,
        probability=probability,
    )
    return _back(case_id)


def _import_page(
    request: Request,
    session: Session,
    principal: policy.Principal,
    status_code: int = 200,
    **context: object,
) -> Response:
    policy.require_permission(principal, roles.IDENTITY_IMPORT)
    runtime = runtime_of(request)
    desks = [d.code for d in accounts_service.list_desks(session=session)]
    return render(
        request,
        "identity_import.html",
        status_code=status_code,
        principal=principal,
        levels={int(level): level.name for level in Classification},
        release_choices=[code for code in desks if code != principal.nation],
        settable_levels=[
            level
            for level in Classification
            if runtime.settings.case_min_classification <= level <= principal.clearance
        ],
        **context,
    )


EXAMPLE = PersonReport(
    record_id="EXAMPLE-0001",
    given_name="Mohamed",
    family_name="Benali",
    full_name="Mohamed Benali",
    father_name="Ahmed",
    aliases=("Abu Mariam al-Faransi",),
    name_arabic="محمد بن علي",
    dob="1994-08-16",
    place_of_birth="Roubaix",
    nationality=("FRA",),
    sex="M",
    document_number="12AB34567",
    address="1 rue de l'Exemple, Roubaix",
)
"""The template's one row: synthetic, a made-up man, to be replaced."""


@router.get("/identity/template.csv")
def report_template(keyring: SignedIn) -> Response:
    """The import's columns with one synthetic example row, to fill in and import."""
    policy.require_permission(keyring.principal, roles.IDENTITY_IMPORT)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reports_file.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(EXAMPLE.as_row())
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="homeward-reports-template.csv"'},
    )


@router.get("/identity")
def identity_home(
    request: Request,
    session: DbSession,
    *,
    keyring: SignedIn,
    imported: Annotated[int, Query(ge=-1, le=COUNT_MAX)] = -1,
    added: str = "",
    q: Annotated[str, Query(max_length=identity_browse.SEARCH_MAX_CHARS)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    reports = identity_browse.list_reports(
        session=session,
        secrets=runtime_of(request).secrets,
        principal=keyring.principal,
        search=q.strip(),
        page=page,
    )
    return _import_page(
        request,
        session,
        keyring.principal,
        imported=imported,
        added=added[:32],
        problems=[],
        reports=reports,
        q=q.strip(),
    )


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    release: list[str] = field(default_factory=list)
    filename: str = ""
    data: bytearray = field(default_factory=bytearray)


class _UploadReader:
    """python-multipart callbacks that keep the parts in memory, within bounds."""

    def __init__(self) -> None:
        self.upload = Upload()
        self.done = False
        self._name = ""
        self._is_file = False
        self._value = bytearray()
        self._field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, str] = {}

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_end": self._end,
        }

    def _begin(self) -> None:
        self._name, self._is_file = "", False
        self._headers.clear()
        self._value.clear()

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._header_value.decode("latin-1")
        self._field.clear()
        self._header_value.clear()

    def _headers_done(self) -> None:
        _, found = parse_options_header(self._headers.get("content-disposition", ""))
        self._name = found.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in found:
            self._is_file = True
            self.upload.filename = found[b"filename"].decode("utf-8", "replace")

    def _data(self, chunk: bytes, start: int, end: int) -> None:
        if self._is_file:
            if len(self.upload.data) + end - start > MAX_UPLOAD:
                raise TooLarge("file", f"larger than {MAX_UPLOAD // (1024 * 1024)} MiB")
            self.upload.data.extend(chunk[start:end])
        else:
            if len(self._value) + end - start > MAX_FIELD:
                raise TooLarge(self._name or "field", "too long")
            self._value.extend(chunk[start:end])

    def _part_end(self) -> None:
        if self._is_file:
            return
        text = self._value.decode("utf-8", "replace")
        if self._name == "release":
            self.upload.release.append(text)
        elif len(self.upload.fields) < 10:
            self.upload.fields[self._name] = text

    def _end(self) -> None:
        self.done = True


async def _read_pasted(request: Request) -> Upload:
    """The paste form (urlencoded): the CSV text in a `csv` field."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_UPLOAD:
            raise TooLarge("csv", f"larger than {MAX_UPLOAD // (1024 * 1024)} MiB")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=30)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadInput("csv", "malformed form") from exc
    upload = Upload(filename="pasted.csv")
    for name, value in pairs:
        if name == "release":
            upload.release.append(value)
        elif name == "csv":
            upload.data.extend(value.encode())
        else:
            upload.fields[name] = value
    return upload


async def read_upload(request: Request) -> Upload:
    """The import form, in memory only: the file is a registry, and must not be spooled to
    disk in clear as Starlette's own parser would for a large upload."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return await _read_pasted(request)
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise BadInput("file", "send the form as multipart/form-data")
    reader = _UploadReader()
    parser = MultipartParser(options[b"boundary"], reader.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise BadInput("file", "malformed multipart body") from exc
    if not reader.done:
        raise BadInput("file", "the body ended before its closing boundary")
    return reader.upload


def _level(text: str) -> int:
    try:
        return int(text or Classification.RESTRICTED)
    except ValueError as exc:
        raise BadInput("classification", "a level from 0 to 3") from exc


def _import(keyring: Keyring, request: Request, session: Session, upload: Upload) -> int:
    """A registry is refused row by row before anything of it is stored, so the request's
    transaction goes on to show the refusal with nothing of the file in it."""
    if not upload.data:
        raise BadInput("file", "choose a CSV or XLSX file, or paste CSV text")
    reports = reports_file.read_report_bytes(bytes(upload.data), upload.filename)
    runtime = runtime_of(request)
    result = identity_imports.import_reports(
        session=session,
        secrets=runtime.secrets,
        settings=runtime.settings,
        principal=keyring.principal,
        reports=reports,
        protection=identity_service.Protection(
            _level(upload.fields.get("classification", "")), upload.release
        ),
        workers=1,
    )
    return result.imported


@router.post("/identity/import")
async def import_registry(request: Request, session: DbSession, keyring: SignedIn) -> Response:
    policy.require_permission(keyring.principal, roles.IDENTITY_IMPORT)
    upload = await read_upload(request)
    require_csrf(request, upload.fields.get("csrf", ""))
    try:
        imported = await run_in_threadpool(_import, keyring, request, session, upload)
    except ReportsRefused as refused:
        return _import_page(
            request,
            session,
            keyring.principal,
            status_code=status_of(refused),
            imported=-1,
            added="",
            problems=refused.problems,
        )
    return RedirectResponse(f"/officer/identity?imported={imported}", status_code=303)


@router.post("/identity/reports")
def add_report(
    request: Request,
    session: DbSession,
    *,
    keyring: SignedIn,
    given_name: Line = "",
    family_name: Line = "",
    aliases: Annotated[str, Form(max_length=4000)] = "",
    name_arabic: Line = "",
    dob: Annotated[str, Form(max_length=10)] = "",
    place_of_birth: Line = "",
    nationality: Annotated[str, Form(max_length=40)] = "",
    sex: Annotated[str, Form(max_length=1)] = "",
    classification: Annotated[int, Form(ge=0, le=3)] = int(Classification.RESTRICTED),
    release: Annotated[list[str] | None, Form(max_length=10)] = None,
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    report = identity_service.checked_report(
        {
            "record_id": "typed",
            "given_name": given_name,
            "family_name": family_name,
            "aliases": aliases.replace(",", ";"),
            "name_arabic": name_arabic,
            "dob": dob,
            "place_of_birth": place_of_birth,
            "nationality": nationality.replace(",", ";"),
            "sex": sex,
        }
    )
    runtime = runtime_of(request)
    view = identity_service.add_report(
        session=session,
        secrets=runtime.secrets,
        settings=runtime.settings,
        principal=keyring.principal,
        report=report,
        protection=identity_service.Protection(classification, release or []),
    )
    return RedirectResponse(f"/officer/identity?added={view.id}", status_code=303)
