"""The store's tables. Their names and columns are a public interface: intake systems write to them.

See README.md ("The report store") for what each column means to a writer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import rules
from data_access.store.sqlfuncs import duration_hours
from data_access.store.types import UTCDateTime

# SP4N-LAPOR! statuses, defined in the rule book (core/rules.py). ditunda pauses the SLA clock; ditolak and
# diarsipkan are not counted against an OPD.
STATUSES = rules.STATUSES
OPEN_STATUSES = rules.OPEN_STATUSES
FINISHED_STATUSES = rules.FINISHED_STATUSES
EXCLUDED_STATUSES = rules.EXCLUDED_STATUSES
# The WHERE of ix_report_finished_unresolved, as rules.finished_unresolved() renders it.
FINISHED_UNRESOLVED = "resolved_at IS NULL AND status IN ({})".format(", ".join(f"'{s}'" for s in FINISHED_STATUSES))
PENDING = "response_due_at IS NULL"  # written straight into the table: the sweep completes it
CHANNELS = ("app", "call_center", "whatsapp", "sms", "walk_in", "lapor", "web")
ROLES = ("admin", "pimpinan", "operator", "opd")  # people; wall screens are kiosks, not users
# Text from outside is bounded before it is stored (a 100,000-character description costs every reader):
# Open311's 4,000 characters plus room for the address line the intake adds.
TITLE_MAX, DESCRIPTION_MAX, NOTE_MAX = 200, 5000, 2000
MEDIA_URL_MAX = 500

# SQLite only aliases rowid for a plain INTEGER primary key; PostgreSQL gets a bigint identity.
ReportId = BigInteger().with_variant(Integer(), "sqlite")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    pass


class District(Base):
    __tablename__ = "district"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)  # Kemendagri, e.g. 94.04.01
    name: Mapped[str] = mapped_column(String(80))
    code_pre2022: Mapped[str | None] = mapped_column(String(16))
    population: Mapped[int | None] = mapped_column(Integer)
    population_source: Mapped[str | None] = mapped_column(String(200))
    population_2020: Mapped[int | None] = mapped_column(Integer)
    label_lat: Mapped[float | None] = mapped_column(Float)
    label_lon: Mapped[float | None] = mapped_column(Float)
    access: Mapped[str] = mapped_column(String(16), default="jalan")  # jalan / sungai / laut / udara


class Village(Base):
    __tablename__ = "village"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(16))  # kampung / kelurahan
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    label_lat: Mapped[float | None] = mapped_column(Float)
    label_lon: Mapped[float | None] = mapped_column(Float)


class Opd(Base):
    __tablename__ = "opd"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    short_name: Mapped[str] = mapped_column(String(40))


class SlaPolicyRow(Base):
    __tablename__ = "sla_policy"
    __table_args__ = (
        CheckConstraint("calendar IN ('24x7', 'working')", name="ck_sla_policy_calendar"),
        CheckConstraint("response_unit IN ('hours', 'working_days')", name="ck_sla_policy_response_unit"),
        CheckConstraint("resolution_unit IN ('hours', 'working_days')", name="ck_sla_policy_resolution_unit"),
    )
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    response_amount: Mapped[float] = mapped_column(Float)
    response_unit: Mapped[str] = mapped_column(String(16))
    resolution_amount: Mapped[float] = mapped_column(Float)
    resolution_unit: Mapped[str] = mapped_column(String(16))
    calendar: Mapped[str] = mapped_column(String(16))


class Category(Base):
    __tablename__ = "category"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    default_opd_code: Mapped[str] = mapped_column(ForeignKey("opd.code"))
    sla_policy_code: Mapped[str] = mapped_column(ForeignKey("sla_policy.code"))


class Reporter(Base):
    """Personal data, kept apart so that only scopes with personal-data rights ever join it."""

    __tablename__ = "reporter"
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))
    nik: Mapped[str | None] = mapped_column(String(16))


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_report_source_external_id"),
        CheckConstraint(_in("status", STATUSES), name="ck_report_status"),
        CheckConstraint(_in("channel", CHANNELS), name="ck_report_channel"),
        # Every index here is one more write per report (migration 0007 dropped those no query used): open figures
        # filtered by district (status IN (…) AND district_code) would read ix_report_district_window instead.
        Index("ix_report_status_district", "status", "district_code"),
        Index("ix_report_updated_at", "updated_at"),
        # Covering indexes (benchmarks/bench_queries.py at 1M reports): the dashboard's aggregates read only
        # index pages, never the wide rows (title, description). Period windows, open backlog, breaches by
        # due day, closures per OPD. The id ends them for PostgreSQL: the rule book's hold and holder subqueries
        # are correlated on it, and without it there is no index-only scan (SQLite keeps the rowid anyway).
        Index("ix_report_period_cover", "created_at", "status", "opd_code", "district_code", "village_code",
              "first_response_at", "resolved_at", "response_due_at", "resolution_due_at", "id"),
        Index("ix_report_open_cover", "status", "opd_code", "district_code", "created_at", "first_response_at",
              "resolved_at", "response_due_at", "resolution_due_at", "id"),
        Index("ix_report_response_breach", "response_due_at", "status", "first_response_at", "resolved_at", "opd_code",
              "category_code", "district_code", "id"),
        Index("ix_report_resolution_breach", "resolution_due_at", "status", "resolved_at", "opd_code", "category_code",
              "district_code", "id"),
        Index("ix_report_resolved_opd", "resolved_at", "opd_code"),
        # Per-district medians and "last report" probes read one district's slice of the period.
        Index("ix_report_district_window", "district_code", "created_at", "status", "first_response_at", "resolved_at",
              "opd_code"),
        # Finished reports without a resolution time (rows from other systems). Since 0008 their targets are
        # "unknown" (rules.unknown), counted with the day's other cases, and no query needs this index any more;
        # it goes in a later migration, once the benchmarks have confirmed no plan falls back on it.
        Index("ix_report_finished_unresolved", "created_at", "status", "opd_code", "district_code", "category_code",
              "first_response_at", "resolved_at", "response_due_at", "resolution_due_at", "id",
              sqlite_where=text(FINISHED_UNRESOLVED), postgresql_where=text(FINISHED_UNRESOLVED)),
        # The rows intake systems wrote straight into the table, for the sweep (ingest.sweep_pending). Partial:
        # reports written with their due times (the dashboard, the importer) add nothing to it.
        Index("ix_report_pending", "id", sqlite_where=text(PENDING), postgresql_where=text(PENDING)),
    )
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), default="dashboard", server_default="dashboard")
    external_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="app", server_default="app")
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"))
    opd_code: Mapped[str | None] = mapped_column(ForeignKey("opd.code"))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"))
    village_code: Mapped[str | None] = mapped_column(ForeignKey("village.code"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str | None] = mapped_column(Text)  # at most DESCRIPTION_MAX, cut on the way in
    status: Mapped[str] = mapped_column(String(16), default="baru", server_default="baru")
    priority: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporter.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.current_timestamp())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Due times are filled by the dashboard (on write, or by the sweep for rows written directly).
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.current_timestamp())
    # SP4N-LAPOR!'s two reporter choices. anonymous: the identity is shown to no one but an admin.
    # confidential ("rahasia"): the report itself never appears in a public view, only in aggregates.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # A public http(s) link to a photo of the problem (Open311's media_url), as the reporter's app sent it.
    media_url: Mapped[str | None] = mapped_column(String(MEDIA_URL_MAX))


# The hours to the first response and to the resolution, as SQL computes them: the wall's exact medians are taken
# over these values, remembered per whole day (data_access/queries/common.py: window_durations).
RESPONSE_HOURS = duration_hours(func.coalesce(Report.first_response_at, Report.resolved_at), Report.created_at)
RESOLUTION_HOURS = duration_hours(Report.resolved_at, Report.created_at)


class ReportEvent(Base):
    """Every status change and reassignment: the report's timeline and the audit trail."""

    __tablename__ = "report_event"
    # Who held a report at a moment (rules.opd_at: its latest event up to then) is one backward step in this
    # index, not a sort of the report's events — once per breach on the wall.
    __table_args__ = (Index("ix_report_event_report_at", "report_id", "at", "id"),)
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    # No index of its own: ix_report_event_report_at begins with it (the timeline, the cascade, the foreign key).
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))  # status / assign / note
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    opd_code: Mapped[str | None] = mapped_column(String(24))
    actor: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)  # at most NOTE_MAX, cut on the way in


class AppUser(Base):
    """A person who logs in. The password is an Argon2 hash; OPD users see their OPDs (app_user_opd) only."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="ck_app_user_role"),)
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Part of the session identity: changing the password or disabling signs every session of the user out.
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppUserOpd(Base):
    __tablename__ = "app_user_opd"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    opd_code: Mapped[str] = mapped_column(ForeignKey("opd.code"), primary_key=True)


class AppSession(Base):
    """A logged-in browser. Its cookie names a random session id stored here only as its SHA-256 hash; logging out
    deletes the row, so a copy of the cookie stops working too (a signed cookie alone cannot be taken back)."""

    __tablename__ = "app_session"
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """One POST of the login form, written before its password is checked so that concurrent attempts (in any
    worker) count each other. The form's token is unique here: a form is used once. ``network`` is the address,
    an IPv6 one cut to its /64 (one subscriber's block)."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_account_at", "account", "at"),
                      Index("ix_login_attempt_network_at", "network", "at"), Index("ix_login_attempt_at", "at"))
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    account: Mapped[str] = mapped_column(String(64))  # the name typed, known or not
    network: Mapped[str] = mapped_column(String(64))
    form_hash: Mapped[str] = mapped_column(String(64), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))  # pending, waiting, failed, ok, throttled, busy


class Kiosk(Base):
    """A wall screen. Its token is shown once at creation and stored only as a SHA-256 hash."""

    __tablename__ = "kiosk"
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessLog(Base):
    """Who did what, when: logins and failures, token use and revocation, every view or export of personal data."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_at", "at"), Index("ix_access_log_actor_at", "actor", "at"))
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))  # user name, "kiosk:NAME" or "anonim"
    action: Mapped[str] = mapped_column(String(32))  # login, login_failed, logout, personal_view, export, ...
    target: Mapped[str | None] = mapped_column(String(200))  # e.g. "report:123", "opd:PUPR"
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class ApiKey(Base):
    """An intake source's key for Open311 POSTs. Like kiosk tokens: shown once, stored as a SHA-256 hash."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), unique=True)  # becomes report.source of what it sends
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Heartbeat(Base):
    """Each writer's last sign of life (data_access/store/heartbeat.py): the wall tells a quiet night from a dead
    feed."""

    __tablename__ = "heartbeat"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)  # "worker", "serve", "simulator"
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class IntakeRequest(Base):
    """One accepted Open311 POST: its Idempotency-Key (per source), a hash of what it said, the report it made.

    Written in the same transaction as the report; the unique (source, idempotency_key) makes two concurrent
    identical POSTs one report, and a client whose response was lost gets the same answer when it asks again.
    """

    __tablename__ = "intake_request"
    __table_args__ = (UniqueConstraint("source", "idempotency_key", name="uq_intake_request_source_key"),)
    id: Mapped[int] = mapped_column(ReportId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))  # NULL: the client sent none
    content_hash: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # GeoReport's tokens/{token}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The POST's attributes that are none of our extensions, as sent ({code: value}, a multi-value one's value a
    # list): kept with the intake record, shown nowhere.
    attributes: Mapped[dict | None] = mapped_column(JSON)


class MeasureTarget(Base):
    """The regency's target for one figure (core/measures.py key), for the whole regency (``opd_code`` '') or one
    OPD; set with `python -m dashboard targets` (data_access/targets.py). Figures without a row here take the
    default of core.measures.DEFAULT_TARGETS."""

    __tablename__ = "measure_target"
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    opd_code: Mapped[str] = mapped_column(String(24), primary_key=True, default="")  # '' = the whole regency
    value: Mapped[float] = mapped_column(Float, nullable=False)
    set_by: Mapped[str] = mapped_column(String(80), nullable=False)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
