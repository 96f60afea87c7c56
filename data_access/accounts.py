"""Who may use the dashboard: users with roles, wall kiosks, and the access log.

Passwords are Argon2id hashes (argon2-cffi). Kiosk tokens (and intake API keys, data_access/intake/api_keys.py)
are long random secrets with a name (``NamedSecrets``), stored as SHA-256 hashes: a secret has 256 bits of entropy,
so a fast hash is enough and lets every wall refresh (and every POST) check it cheaply.
``Viewer.scope()`` is the one place a role turns into what the viewer may see.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from core.redact import redact_secrets
from core.settings import argon2_cost
from data_access.rulebook.scope import Scope
from data_access.store.schema import ROLES, AccessLog, AppSession, AppUser, AppUserOpd, Kiosk, LoginAttempt, Opd

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@\-]{2,64}$")
MAX_PASSWORD = 1024  # Argon2 hashes any length; a bound keeps a hostile form from costing memory
MIN_PASSWORD = 8
_TIME_COST, _MEMORY_KIB = argon2_cost()
_hasher = PasswordHasher(time_cost=_TIME_COST, memory_cost=_MEMORY_KIB)  # argon2id
# Each Argon2 check holds 64 MiB while it runs: a burst of 40 logins took a worker from 383 MB to 1.26 GB. A few
# checks at a time per process; a login that cannot get a slot soon is told to try again (Busy), not queued.
ARGON2_SLOTS = 2
ARGON2_WAIT_SECONDS = 3.0
_argon2_slots = threading.BoundedSemaphore(ARGON2_SLOTS)
# Verifying against a fixed dummy hash when the user does not exist keeps the timing of a failed login the same.
_DUMMY_HASH = _hasher.hash("mimika-dummy-password")


class AccountError(ValueError):
    """Bad input for an account command; the message says what to fix."""


class Busy(RuntimeError):
    """Every password-check slot of this process stayed taken for ARGON2_WAIT_SECONDS."""


@dataclass(frozen=True)
class Viewer:
    """Who is asking, as the server-side session says. Kiosks and anonymous visitors are viewers too."""

    name: str
    role: str  # admin, pimpinan, operator, opd, kiosk, anonymous
    opds: frozenset[str] = frozenset()
    # "user id:password stamp" from authenticate; "…:session id" once open_session made it a server-side session
    # (the stamp changes with the password, and logging out deletes the session: either ends it)
    session_key: str = ""

    def scope(self) -> Scope:
        """What this viewer may see: the one mapping from role to Scope (applied in SQL by every query)."""
        if self.role == "admin":
            return Scope(None, True, f"admin:{self.name}", see_anonymous=True)
        if self.role == "operator":
            return Scope(None, True, f"operator:{self.name}")
        if self.role == "pimpinan":
            return Scope(None, False, "pimpinan")
        if self.role == "opd":
            return Scope(self.opds, True, "opd:" + ",".join(sorted(self.opds)))
        if self.role == "kiosk":
            return Scope.wall()
        return Scope(frozenset(), False, "anonim", public=True)  # nothing but the public aggregates


ANONYMOUS = Viewer("anonim", "anonymous")


def _now() -> datetime:
    return datetime.now(UTC)


def _check_name(name: str) -> str:
    if not name or not NAME_PATTERN.match(name):
        raise AccountError(f"name {name!r} must be 2–64 letters, digits or . _ - @")
    return name


def _check_password(password: str) -> str:
    password = (password or "").rstrip("\r\n")
    if not password.strip():
        raise AccountError("the password is empty")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must have at most {MAX_PASSWORD} characters")
    return password


def _session_key(user_id: int, changed_at: datetime) -> str:
    return f"{user_id}:{round(changed_at.timestamp() * 1_000_000)}"  # microseconds: two changes in a second differ


def add_user(engine: Engine, name: str, role: str, password: str, opds: list[str] | tuple[str, ...] = ()) -> None:
    name = _check_name(name)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    opds = tuple(dict.fromkeys(code.strip().upper() for code in opds if code.strip()))
    if role == "opd" and not opds:
        raise AccountError("an opd user needs at least one --opd CODE")
    if role != "opd" and opds:
        raise AccountError(f"--opd is only for role opd, not {role}")
    password = _check_password(password)
    with engine.begin() as conn:
        known = set(conn.execute(select(Opd.code)).scalars())
        unknown = [code for code in opds if code not in known]
        if unknown:
            raise AccountError(f"unknown OPD code {unknown[0]!r}")
        if conn.execute(select(AppUser.id).where(AppUser.name == name)).first():
            raise AccountError(f"user {name!r} already exists")
        now = _now()
        user_id = conn.execute(insert(AppUser).values(name=name, role=role, password_hash=_hasher.hash(password),
                                                      disabled=False, created_at=now, password_changed_at=now)
                               .returning(AppUser.id)).scalar_one()
        for code in opds:
            conn.execute(insert(AppUserOpd).values(user_id=user_id, opd_code=code))


def set_password(engine: Engine, name: str, password: str) -> None:
    password = _check_password(password)
    with engine.begin() as conn:
        done = conn.execute(update(AppUser).where(AppUser.name == name).values(
            password_hash=_hasher.hash(password), password_changed_at=_now())).rowcount
        _end_sessions_of(conn, name)
    if not done:
        raise AccountError(f"no user {name!r}")


def disable_user(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(AppUser).where(AppUser.name == name).values(
            disabled=True, password_changed_at=_now())).rowcount
        _end_sessions_of(conn, name)
    if not done:
        raise AccountError(f"no user {name!r}")


def list_users(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        users = conn.execute(select(AppUser.id, AppUser.name, AppUser.role, AppUser.disabled, AppUser.created_at)
                             .order_by(AppUser.name)).mappings().all()
        opds: dict[int, list[str]] = {}
        for user_id, code in conn.execute(select(AppUserOpd.user_id, AppUserOpd.opd_code)
                                          .order_by(AppUserOpd.opd_code)):
            opds.setdefault(user_id, []).append(code)
    return [{**dict(u), "opds": opds.get(u["id"], [])} for u in users]


def _viewer(conn, user, session_id: str = "") -> Viewer:
    opds = frozenset(conn.execute(select(AppUserOpd.opd_code).where(AppUserOpd.user_id == user.id)).scalars())
    key = _session_key(user.id, user.password_changed_at)
    return Viewer(user.name, user.role, opds, f"{key}:{session_id}" if session_id else key)


def authenticate(engine: Engine, name: str, password: str) -> Viewer | None:
    """The viewer for a correct name and password of an enabled user; None for anything else.

    Raises Busy when no password-check slot of this process frees within ARGON2_WAIT_SECONDS."""
    if not name or not password or len(name) > 64 or len(password) > MAX_PASSWORD:
        return None
    with engine.connect() as conn:
        user = conn.execute(select(AppUser.__table__).where(AppUser.name == name)).first()
    if not _argon2_slots.acquire(timeout=ARGON2_WAIT_SECONDS):
        raise Busy("every password-check slot is taken")
    try:
        _hasher.verify(user.password_hash if user is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    finally:
        _argon2_slots.release()
    if user is None or user.disabled:
        return None
    with engine.connect() as conn:
        return _viewer(conn, user)


def open_session(engine: Engine, viewer: Viewer) -> Viewer:
    """A server-side session for a viewer authenticate returned: its session_key now names it."""
    session_id = secrets.token_urlsafe(32)
    user_id = int(viewer.session_key.split(":", 1)[0])
    with engine.begin() as conn:
        conn.execute(insert(AppSession).values(token_hash=token_hash(session_id), user_id=user_id,
                                               created_at=_now()))
    return replace(viewer, session_key=f"{viewer.session_key}:{session_id}")


def end_session(engine: Engine, session_key: str) -> None:
    """Log out: the session's row goes, so every copy of its cookie stops working."""
    session_id = str(session_key).rsplit(":", 1)[-1]
    with engine.begin() as conn:
        conn.execute(delete(AppSession).where(AppSession.token_hash == token_hash(session_id)))


def _end_sessions_of(conn, name: str) -> None:
    conn.execute(delete(AppSession).where(AppSession.user_id.in_(select(AppUser.id).where(AppUser.name == name))))


def viewer_for_session(engine: Engine, session_key: str) -> Viewer | None:
    """The viewer a session cookie names, if its session was not ended and its user still exists, is enabled and
    kept the same password."""
    parts = str(session_key).split(":")
    if len(parts) != 3 or not parts[2]:
        return None  # a cookie from before server-side sessions, or none of ours
    try:
        user_id, stamp = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    with engine.connect() as conn:
        user = conn.execute(select(AppUser.__table__).join(AppSession, AppSession.user_id == AppUser.id).where(
            AppUser.id == user_id, AppSession.token_hash == token_hash(parts[2]))).first()
        if user is None or user.disabled or round(user.password_changed_at.timestamp() * 1_000_000) != stamp:
            return None
        return _viewer(conn, user, parts[2])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NamedSecrets:
    """Secrets with a name that can be revoked: wall-screen tokens (``KIOSKS``) and intake API keys
    (data_access/intake/api_keys.py).

    A secret is shown once when it is made and stored only as its SHA-256 hash; looking one up gives its name and
    whether it was revoked, so a revoked screen or source can be told apart from a stranger.
    """

    table: type  # the mapped class: one row per name, with id, created_at and revoked_at
    name: InstrumentedAttribute  # its column of names (unique)
    hash: InstrumentedAttribute  # its column of SHA-256 hashes (unique)
    check_name: Callable[[str], str]  # the name as stored, or AccountError saying what is wrong with it
    taken: str  # the AccountError when the name cannot be given a secret, formatted with name=
    not_active: str  # the AccountError when there is nothing to revoke, formatted with name=
    prefix: str = ""  # makes a leaked secret recognisable, so it can be found and revoked
    reissue_revoked: bool = False  # may a revoked name get a new secret (rotation), or is a name used once?
    max_length: int = 128  # a longer secret is none of ours: refused before hashing

    def add(self, engine: Engine, name: str) -> str:
        """A new secret for ``name``; returns it: it is never stored and cannot be shown again."""
        name = self.check_name(name)
        secret = self.prefix + secrets.token_urlsafe(32)
        with engine.begin() as conn:
            row = conn.execute(select(self.table.id, self.table.revoked_at).where(self.name == name)).first()
            if row is not None and (row.revoked_at is None or not self.reissue_revoked):
                raise AccountError(self.taken.format(name=name))
            fresh = {self.hash.key: token_hash(secret), "created_at": _now()}
            if row is None:
                conn.execute(insert(self.table).values({self.name.key: name, **fresh}))
            else:
                conn.execute(update(self.table).where(self.table.id == row.id).values({**fresh, "revoked_at": None}))
        return secret

    def replace(self, engine: Engine, name: str) -> str:
        """Demo only: drop ``name`` (if any) and make it anew, so its secret can be printed again."""
        with engine.begin() as conn:
            conn.execute(delete(self.table).where(self.name == name))
        return self.add(engine, name)

    def revoke(self, engine: Engine, name: str) -> None:
        with engine.begin() as conn:
            done = conn.execute(update(self.table).where(self.name == name, self.table.revoked_at.is_(None))
                                .values(revoked_at=_now())).rowcount
        if not done:
            raise AccountError(self.not_active.format(name=name))

    def rows(self, engine: Engine) -> list[dict]:
        """Every name (keyed by its column's name) with created_at and revoked_at, by name."""
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(self.name, self.table.created_at, self.table.revoked_at)
                                                  .order_by(self.name)).mappings()]

    def owner(self, engine: Engine, secret: str) -> tuple[str, bool] | None:
        """(name, revoked?) for a secret, or None when no name ever had it."""
        if not secret or len(secret) > self.max_length:
            return None
        with engine.connect() as conn:
            row = conn.execute(select(self.name, self.table.revoked_at)
                               .where(self.hash == token_hash(secret))).first()
        return None if row is None else (row[0], row.revoked_at is not None)


# Wall screens. A kiosk name is used once: a revoked screen stays revoked, a new screen gets a new name.
KIOSKS = NamedSecrets(Kiosk, Kiosk.name, Kiosk.token_hash, _check_name, taken="kiosk {name!r} already exists",
                      not_active="no active kiosk {name!r}")


def log_access(engine: Engine, actor: str, action: str, target: str | None = None, *, address: str | None = None,
               detail: str | None = None) -> None:
    target, detail = redact_secrets(target), redact_secrets(detail)  # a URL written here keeps no token or key
    with engine.begin() as conn:
        conn.execute(insert(AccessLog).values(at=_now(), actor=actor[:80], action=action[:32],
                                              target=None if target is None else target[:200],
                                              address=None if address is None else address[:64],
                                              detail=None if detail is None else detail[:2000]))


THROTTLE_WINDOW = timedelta(minutes=15)
LOGIN_FORM_LIFETIME = timedelta(hours=2)  # a form older than this is refused, so its row may be pruned after it
_COUNTED = ("pending", "failed")  # an attempt checking now counts, as does one that failed


def throttle_network(address: str) -> str:
    """What the throttle counts an address as: an IPv4 address itself, an IPv6 one by its /64 (a subscriber gets a
    whole /64 and can pick a new address in it for every try); anything unreadable as itself."""
    try:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    except ValueError:
        return str(address)[:64]
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def claim_login_attempt(engine: Engine, account: str, address: str, form_token: str, limit: int,
                        wait_seconds: float = 5.0) -> tuple[int, str] | None:
    """Write a login attempt before its password is checked, then count: (its id, "check", "throttled" or "busy").

    None when the form's token was used before (a replayed form). The row is committed before the count and an
    attempt in progress counts like a failure, so of any number of concurrent attempts (in any worker) on one
    account or network, at most ``limit`` see ``limit`` or fewer counting and check a password. One held back only
    by attempts still in progress (people behind one address logging in at once) steps aside for a moment (so
    attempts waiting together never hold each other back), comes back and counts again, until ``wait_seconds``
    pass ("busy" then); one held back by failures alone is "throttled" at once.
    """
    now, account, network = _now(), account[:64], throttle_network(address)
    try:
        with engine.begin() as conn:
            conn.execute(delete(LoginAttempt).where(LoginAttempt.at < now - LOGIN_FORM_LIFETIME - THROTTLE_WINDOW))
            attempt = conn.execute(insert(LoginAttempt).values(
                at=now, account=account, network=network, form_hash=token_hash(form_token), outcome="pending")
                .returning(LoginAttempt.id)).scalar_one()
    except IntegrityError:
        return None
    keys = ((LoginAttempt.account, account), (LoginAttempt.network, network))
    deadline = time.monotonic() + wait_seconds
    while True:
        with engine.connect() as conn:
            counts = [conn.execute(select(func.count(), func.count().filter(LoginAttempt.outcome == "failed"))
                                   .where(column == value, LoginAttempt.at >= now - THROTTLE_WINDOW,
                                          LoginAttempt.outcome.in_(_COUNTED))).one() for column, value in keys]
        if all(counting <= limit for counting, _ in counts):
            return attempt, "check"
        if any(failed + 1 > limit for _, failed in counts):
            return attempt, "throttled"
        if time.monotonic() >= deadline:
            return attempt, "busy"
        finish_login_attempt(engine, attempt, "waiting")
        time.sleep(random.uniform(0.05, 0.2))  # a random pause: attempts that stepped aside together come back apart
        finish_login_attempt(engine, attempt, "pending")  # counting again before it counts: the bound holds


def finish_login_attempt(engine: Engine, attempt: int, outcome: str) -> None:
    """failed (counts on); ok, throttled, busy or waiting (count no more: no password was checked, or it was
    right); pending (counts again)."""
    with engine.begin() as conn:
        conn.execute(update(LoginAttempt).where(LoginAttempt.id == attempt).values(outcome=outcome))


DEMO_USERS = (("admin", "admin", ()), ("bupati", "pimpinan", ()), ("operator", "operator", ()),
              ("pupr", "opd", ("PUPR",)))
DEMO_PASSWORD = "mimika-demo-{name}"  # a demo store only: documented in the README, refused outside DEMO_MODE


def ensure_demo_accounts(engine: Engine, kept_kiosk: str | None = None) -> tuple[list[tuple[str, str, str]], str]:
    """One account per role (an opd account for PUPR) when missing, and the demo kiosk link: ``kept_kiosk`` (the
    token printed last time) while it is still the demo wall's and not revoked — restarting the demo must not
    lock out the wall screen already showing it — else a fresh one.

    Returns [(name, role, password)] and the kiosk path.
    """
    existing = {u["name"] for u in list_users(engine)}
    accounts = []
    for name, role, opds in DEMO_USERS:
        password = DEMO_PASSWORD.format(name=name)
        if name not in existing:
            add_user(engine, name, role, password, opds)
        accounts.append((name, role, password))
    token = kept_kiosk if kept_kiosk and KIOSKS.owner(engine, kept_kiosk) == ("demo-wall", False) else None
    return accounts, f"/wall?kiosk={token or KIOSKS.replace(engine, 'demo-wall')}"
