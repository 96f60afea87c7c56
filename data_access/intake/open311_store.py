"""The store behind the Open311 GeoReport v2 server: services, public service requests, and idempotent intake.

Public reads carry no personal data: the reporter table is never joined, coordinates are rounded in SQL as the
wall's map points are (about 100 m), confidential reports are left out, and phone numbers, NIKs and e-mail
addresses a citizen typed into a description are masked. Writes go through the ReportWriter (due times,
default OPD, district from coordinates, the timeline) together with the idempotency record, in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.formatting import clip
from data_access.intake.writer import ReportWriter
from data_access.rulebook.scope import Filters, Scope, where
from data_access.rulebook.sla import WIT
from data_access.store.schema import (
    EXCLUDED_STATUSES,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    AccessLog,
    Category,
    District,
    IntakeRequest,
    Opd,
    Report,
    Reporter,
    ReportEvent,
    Village,
)
from data_access.store.sqlfuncs import round_coordinate

log = logging.getLogger(__name__)
# Open311 sees two states: finished, rejected and archived reports are closed, everything else is open.
CLOSED_STATUSES = (*FINISHED_STATUSES, *EXCLUDED_STATUSES)
OPEN311_STATUSES = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}
# Every OPD, no personal data, confidential reports never listed one by one: what the public may see.
PUBLIC_SCOPE = Scope(None, False, "open311", public=True)
MAX_PAGE_SIZE = 1000  # the spec's "first 1000 requests"
MAX_SPAN = timedelta(days=90)  # the spec's "may not span more than 90 days"
MAX_DESCRIPTION = 4000  # the spec's limit, on the way out too (an address line may have been added)
TITLE_LENGTH = 120


@dataclass(frozen=True)
class RequestQuery:
    """What GET requests asked for, already bounded. ``ids`` overrides every other argument (the spec)."""

    start: datetime
    end: datetime
    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # open / closed
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


@dataclass(frozen=True)
class NewRequest:
    """A POSTed service request, parsed and bounded. Reporter fields go to the reporter table only."""

    service_code: str
    description: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    channel: str = "app"
    external_id: str | None = None
    anonymous: bool = False
    confidential: bool = False
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    nik: str | None = None
    media_url: str | None = None
    requested_at: datetime | None = None  # extension: when an offline desk recorded it (bounded by the parser)
    # The district the citizen chose (/publik/lapor's list); a point inside the regency takes precedence.
    district_code: str | None = None
    # The attributes that are none of our extensions, as sent: (code, value), a multi-value one's value a tuple.
    attributes: tuple[tuple[str, str | tuple[str, ...]], ...] = ()

    def content_hash(self) -> str:
        """Equal for the same request however it was encoded (form or JSON, any field order)."""
        fields = asdict(self)
        if not self.attributes:  # as hashed before attributes were kept: a retry across the upgrade still replays
            del fields["attributes"]
        if self.district_code is None:  # likewise for the district, which Open311 clients never send
            del fields["district_code"]
        return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False,
                                         default=lambda v: v.isoformat()).encode()).hexdigest()

    def attribute_map(self) -> dict | None:
        """The other attributes for the intake record: {code: value}, a multi-value one's value a list."""
        return {code: list(value) if isinstance(value, tuple) else value
                for code, value in self.attributes} or None

    def reporter(self) -> Reporter | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part) or None
        if not any((name, self.email, self.phone, self.nik)):
            return None
        return Reporter(name=name, phone=self.phone, email=self.email, nik=self.nik)

    def title(self, service_name: str) -> str:
        first_line = next((line.strip() for line in (self.description or "").splitlines() if line.strip()), "")
        if not first_line:
            return clip(service_name, TITLE_LENGTH)
        return clip(first_line, TITLE_LENGTH)

    def stored_description(self) -> str | None:
        """The description, with the address (no geocoder here) kept as a line of its own."""
        parts = [self.description] if self.description else []
        if self.address:
            parts.append(f"Alamat: {self.address}")
        return "\n\n".join(parts) or None


@dataclass(frozen=True)
class Accepted:
    service_request_id: int
    token: str
    service_notice: str
    replayed: bool = False


class IdempotencyConflict(Exception):
    """The Idempotency-Key (or external_id) was used before, for a different request."""


def services(engine: Engine) -> list[dict]:
    """Every category as an Open311 service: code, Indonesian name, English name, the OPD as its group."""
    stmt = (select(Category.code, Category.name, Category.name_en, Opd.name.label("group"))
            .join(Opd, Opd.code == Category.default_opd_code).order_by(Category.code))
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(stmt).mappings()]


def service(engine: Engine, code: str) -> dict | None:
    return next((s for s in services(engine) if s["code"] == code), None)


def known_service_codes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(Category.code)).scalars())


def _request_select():
    last_note = (select(ReportEvent.note)
                 .where(ReportEvent.report_id == Report.id, ReportEvent.kind == "status", ReportEvent.note.is_not(None))
                 .order_by(ReportEvent.at.desc(), ReportEvent.id.desc()).limit(1)
                 .correlate(Report).scalar_subquery())
    return (select(Report.id, case((Report.status.in_(CLOSED_STATUSES), "closed"), else_="open").label("status"),
                   last_note.label("status_notes"), Category.name.label("service_name"),
                   Report.category_code.label("service_code"), Report.description, Opd.name.label("agency"),
                   Report.created_at, Report.updated_at, Report.resolution_due_at, Report.media_url,
                   Village.type.label("village_type"), Village.name.label("village"), District.name.label("district"),
                   round_coordinate(Report.lat).label("lat"), round_coordinate(Report.lon).label("lon"))
            .join(Category, Category.code == Report.category_code)
            .outerjoin(Opd, Opd.code == Report.opd_code)
            .outerjoin(District, District.code == Report.district_code)
            .outerjoin(Village, Village.code == Report.village_code))


def service_requests(engine: Engine, query: RequestQuery) -> list[dict]:
    """One bounded page of public service requests, newest first; filtering happens in SQL."""
    page_size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    if query.ids:
        conditions = [Report.id.in_(query.ids)]
        filters = Filters()
    else:
        statuses = tuple(s for name in query.statuses for s in OPEN311_STATUSES[name])
        filters = Filters(categories=query.service_codes, statuses=statuses)
        conditions = [Report.created_at >= query.start, Report.created_at <= query.end]
    stmt = (_request_select().where(where(filters, PUBLIC_SCOPE, PUBLIC_SCOPE.listing_condition(), *conditions))
            .order_by(Report.created_at.desc(), Report.id.desc())
            .offset((max(1, query.page) - 1) * page_size).limit(page_size))
    with engine.connect() as conn:
        return [_public(row) for row in conn.execute(stmt).mappings()]


def service_request(engine: Engine, report_id: int) -> dict | None:
    """One public service request, or None when there is none or it is confidential."""
    stmt = _request_select().where(where(Filters(), PUBLIC_SCOPE, PUBLIC_SCOPE.listing_condition(),
                                         Report.id == report_id))
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return None if row is None else _public(row)


def request_for_token(engine: Engine, token: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(select(IntakeRequest.report_id, IntakeRequest.token)
                           .where(IntakeRequest.token == token)).first()
    return None if row is None else {"service_request_id": str(row.report_id), "token": row.token}


def _public(row) -> dict:
    place = []
    if row["village"]:
        place.append(f"{(row['village_type'] or 'kampung').capitalize()} {row['village']}")
    if row["district"]:
        place.append(f"Distrik {row['district']}")
    description = PUBLIC_SCOPE.shown_text(row["description"])
    return {
        # A string, as the spec's schema has it (and other cities' ids are): typed clients read it as one.
        "service_request_id": str(row["id"]), "status": row["status"],
        "status_notes": PUBLIC_SCOPE.shown_text(row["status_notes"]), "service_name": row["service_name"],
        "service_code": row["service_code"],
        "description": description[:MAX_DESCRIPTION] if description else description,
        "agency_responsible": row["agency"], "service_notice": None,
        "requested_datetime": w3c(row["created_at"]), "updated_datetime": w3c(row["updated_at"]),
        "expected_datetime": w3c(row["resolution_due_at"]),
        "address": ", ".join([*place, "Kabupaten Mimika"]) if place else None, "address_id": None, "zipcode": None,
        "lat": row["lat"], "long": row["lon"], "media_url": _public_link(row["media_url"]),
    }


def _public_link(url: str | None) -> str | None:
    """The media link as the public may see it: a link whose text holds a phone number, NIK or e-mail address
    is left out whole (masking part of a URL would only break it)."""
    return url if url and PUBLIC_SCOPE.shown_text(url) == url else None


def w3c(moment: datetime | None) -> str | None:
    """A W3C date-time in WIT with its zone, as the spec asks: 2026-11-23T09:30:00+09:00."""
    return None if moment is None else moment.astimezone(WIT).isoformat(timespec="seconds")


def service_notice(response_due_at: datetime | None, resolution_due_at: datetime | None) -> str:
    def when(moment: datetime | None) -> str:
        return moment.astimezone(WIT).strftime("%d-%m-%Y %H:%M WIT") if moment else "-"

    return (f"Laporan diterima. Tanggapan paling lambat {when(response_due_at)}; "
            f"penyelesaian paling lambat {when(resolution_due_at)}.")


def _existing(engine: Engine, source: str, idempotency_key: str | None, external_id: str | None):
    """The intake record an earlier POST of this source left under the same key (or external_id), if any."""
    columns = (IntakeRequest.report_id, IntakeRequest.token, IntakeRequest.content_hash, Report.response_due_at,
               Report.resolution_due_at)
    stmt = select(*columns).join(Report, Report.id == IntakeRequest.report_id)
    if idempotency_key is not None:
        stmt = stmt.where(IntakeRequest.source == source, IntakeRequest.idempotency_key == idempotency_key)
    elif external_id is not None:
        stmt = stmt.where(Report.source == source, Report.external_id == external_id)
    else:
        return None
    with engine.connect() as conn:
        return conn.execute(stmt).first()


def _answer(existing, content_hash: str) -> Accepted:
    if existing.content_hash != content_hash:
        raise IdempotencyConflict("this Idempotency-Key (or external_id) was already used for a different request "
                                  f"(service_request_id {existing.report_id})")
    return Accepted(int(existing.report_id), existing.token,
                    service_notice(existing.response_due_at, existing.resolution_due_at), replayed=True)


def submit(engine: Engine, writer: ReportWriter, request: NewRequest, *, source: str, now: datetime,
           idempotency_key: str | None = None, client_address: str | None = None,
           via: tuple[str, str, str] | None = None) -> Accepted:
    """Create the report for an Open311 POST once, however often the client sends it.

    The same key with the same content answers with the first report; with other content raises
    IdempotencyConflict. The report, its intake record and the access-log line commit together, so a response
    lost on the way back never makes a duplicate, and the unique (source, key) turns a concurrent twin into a
    replay. The look-up before writing keeps SQLite's write transaction free of an earlier read snapshot.
    ``via`` names who wrote it in the timeline and the access log (actor, action, detail); by default the
    source's API key.
    """
    actor, action, detail = via or (f"apikey:{source}", "apikey_used", "open311 POST")
    content_hash = request.content_hash()
    # A client's key doubles as the report's external_id, so the import guard (source, external_id) holds too.
    external_id = request.external_id or idempotency_key
    existing = _existing(engine, source, idempotency_key, request.external_id)
    if existing is not None:
        return _answer(existing, content_hash)
    token = secrets.token_urlsafe(16)
    try:
        with Session(engine) as session, session.begin():
            service_name = session.execute(select(Category.name).where(Category.code == request.service_code)
                                           ).scalar_one()
            report = writer.create(
                session, category_code=request.service_code, title=request.title(service_name),
                created_at=request.requested_at or now,
                channel=request.channel, source=source, external_id=external_id,
                description=request.stored_description(), lat=request.lat, lon=request.lon,
                reporter=request.reporter(), actor=f"open311:{source}" if via is None else actor)
            if report.district_code is None and request.district_code is not None:
                report.district_code = request.district_code
            report.anonymous, report.confidential = request.anonymous, request.confidential
            report.media_url = request.media_url
            report.updated_at = now  # a backdated report is still news: the wall's version check reads updated_at
            session.flush()
            session.add(IntakeRequest(source=source, idempotency_key=idempotency_key, content_hash=content_hash,
                                      report_id=report.id, token=token, created_at=now,
                                      attributes=request.attribute_map()))
            session.add(AccessLog(at=now, actor=actor[:80], action=action, target=f"report:{report.id}",
                                  address=client_address, detail=detail))
            accepted = Accepted(int(report.id), token, service_notice(report.response_due_at,
                                                                      report.resolution_due_at))
    except IntegrityError:
        # A twin committed first (same key or the same external_id): answer as it was answered.
        log.info("open311: a concurrent twin of %s/%s is answered as a replay", source, external_id)
        existing = _existing(engine, source, idempotency_key, request.external_id or idempotency_key)
        if existing is None:
            if external_id is not None:
                raise IdempotencyConflict(f"external_id {external_id!r} already names another report of "
                                          f"source {source!r}") from None
            raise
        return _answer(existing, content_hash)
    return accepted
