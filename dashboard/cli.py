"""`python -m dashboard …`: set up the store, fill it with a demo, simulate traffic, serve, and ask for KPIs.

Bad input gets one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from core.bounded import EARLIEST_DAY
from core.settings import REPO_ROOT, Settings, SettingsError
from data_access.intake.placing import point_assigner
from data_access.rulebook.sla import work_calendar

EXIT_USAGE = 2
METRICS_COMMANDS = {"serve", "worker"}  # the long-running processes whose counters /metrics adds up


class CliError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Mimika Center command dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="create or migrate the store and load Mimika's reference data")
    seed = sub.add_parser("seed-demo", help="fill the store with two years of believable demo reports")
    seed.add_argument("--seed", type=int, default=7)
    seed.add_argument("--days", type=int, default=730)
    seed.add_argument("--per-day", type=float, default=45.0, help="reports a day at the end of the period")
    seed.add_argument("--replace", action="store_true", help="delete the reports already in the store first")
    seed.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when the store has reports")
    sim = sub.add_parser("simulate", help="keep the store living like Mimika's: new reports, open ones moving on")
    volume = sim.add_mutually_exclusive_group()
    volume.add_argument("--per-day", type=float, default=None,
                        help="volume as seed-demo's --per-day (default 45: Mimika's, about 41 reports a day)")
    volume.add_argument("--rate", type=float, default=None, help="or new reports a minute, on average over a week")
    sim.add_argument("--speed", type=float, default=1.0,
                     help="simulated seconds per wall second, 1-10000 (default 1); above 1 the times written run "
                          "ahead of the wall clock: for tests and benchmarks")
    sim.add_argument("--seconds", type=float, default=None, help="stop after this many wall seconds")
    sim.add_argument("--seed", type=int, default=None)
    sim.add_argument("--catch-up", action="store_true",
                     help="first simulate, as fast as it goes, the time since the store's last change (at most 7 days)")
    sim.add_argument("--surge", action="append", default=[], metavar="DISTRICT:CATEGORY:FACTOR",
                     help="multiply one district's reports of one category by FACTOR (above 1), e.g. "
                          "'Mimika Baru:air_bersih:8' or 94.04.01:air_bersih:8; repeatable. The wall's surge alert "
                          "follows within a few hours of simulated time")
    serve = sub.add_parser("serve", help="serve the dashboard")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--debug", action="store_true")
    kpis = sub.add_parser("kpis", help="print the headline KPIs")
    kpis.add_argument("--json", action="store_true", help="as JSON (the only format for now)")
    kpis.add_argument("--at", default=None, help="the time to count at, ISO 8601 (default now); naive = WIT")
    alerts = sub.add_parser("alerts", help="print the surge alerts: district × category far above its usual rate")
    alerts.add_argument("--json", action="store_true", help="as JSON (otherwise one line per alert)")
    alerts.add_argument("--at", default=None, help="the time to look at, ISO 8601 (default now); naive = WIT")
    sub.add_parser("sweep", help="fill due times and districts for rows that intake systems wrote directly")
    _add_process_commands(sub)
    users = sub.add_parser("users", help="manage the people who log in").add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="admin, pimpinan, operator or opd")
    add.add_argument("--opd", action="append", default=[], help="an OPD code the user sees (role opd; repeatable)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users.add_parser("list", help="list the users")
    disable = users.add_parser("disable", help="disable a user (their sessions end at once)")
    disable.add_argument("name")
    passwd = users.add_parser("passwd", help="set a user's password (their sessions end at once)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    demo = sub.add_parser("demo-accounts", help="demo only (DEMO_MODE=1): one account per role and a wall kiosk link")
    demo.add_argument("--base-url", default="http://127.0.0.1:8050", help="where the demo is served (for the links)")
    kiosk = sub.add_parser("kiosk", help="manage wall screens").add_subparsers(dest="action", required=True)
    kiosk.add_parser("add", help="add a wall screen; prints the path that opens it").add_argument("name")
    kiosk.add_parser("list", help="list the wall screens")
    kiosk.add_parser("revoke", help="revoke a wall screen's access").add_argument("name")
    _apikeys_parser(sub)
    _outbox_parsers(sub)
    _import_parser(sub)
    _report_parser(sub)
    _targets_parser(sub)
    return parser


def _progress(label: str):
    def show(done: int, total: int) -> None:
        pct = 100.0 * done / total if total else 100.0
        bar = "#" * int(pct / 4)
        sys.stderr.write(f"\r{label}: {done:>9,}/{total:,} reports [{bar:<25}] {pct:5.1f}%")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def parse_at(raw: str | None) -> datetime:
    from data_access.rulebook.sla import WIT

    if raw is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"--at {raw!r} is not an ISO 8601 time such as 2026-11-23T09:00+09:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=WIT)
    if not EARLIEST_DAY.year <= value.year <= 2100:  # room for the day before and after in any time zone
        raise CliError(f"--at {raw!r} is out of range: choose a time between {EARLIEST_DAY.year} and 2100")
    return value.astimezone(UTC)


def _engine(settings: Settings, *, create: bool = False, check: bool = True):
    from data_access.store.engine import check_store, make_engine

    engine = make_engine(settings.database_url, create=create)
    if check:
        check_store(engine)
    return engine


def _init_store(settings: Settings):
    from data_access.store.migrate import upgrade
    from data_access.store.reference import load_reference

    engine = _engine(settings, create=True, check=False)
    upgrade(engine)
    load_reference(engine)
    return engine


def cmd_init_db(settings: Settings, _args) -> int:
    engine = _init_store(settings)
    print(f"store ready: {engine.url.render_as_string(hide_password=True)}", file=sys.stderr)
    return 0


def cmd_seed_demo(settings: Settings, args) -> int:
    from data_access.intake.bulk_load import report_count
    from demo.seed import DemoConfig, StoreNotEmpty, seed_demo

    if args.days < 1 or args.per_day <= 0 or not math.isfinite(args.per_day):
        raise CliError("--days must be at least 1 and --per-day a positive number")
    engine = _init_store(settings)
    if args.if_empty and report_count(engine):
        print("store already has reports; keeping them", file=sys.stderr)
        return 0
    try:
        written = seed_demo(engine, work_calendar(settings), DemoConfig(seed=args.seed, days=args.days,
                                                                        per_day=args.per_day),
                            replace=args.replace, progress=_progress("seed-demo"))
    except StoreNotEmpty as exc:
        raise CliError(str(exc)) from None
    print(f"seed-demo: {written:,} reports written", file=sys.stderr)
    return 0


def cmd_simulate(settings: Settings, args) -> int:
    from data_access.rulebook.sla import WIT
    from demo.simulator import MAX_SPEED, MIMIKA_PER_DAY, Simulator, catch_up_start, parse_surge, per_day_for_rate

    if args.rate is not None and (args.rate <= 0 or not math.isfinite(args.rate)):
        raise CliError("--rate must be a positive number of reports a minute")
    if args.per_day is not None and (args.per_day <= 0 or not math.isfinite(args.per_day)):
        raise CliError("--per-day must be a positive number of reports a day")
    if not (math.isfinite(args.speed) and 1 <= args.speed <= MAX_SPEED):
        raise CliError(f"--speed must be a number from 1 to {MAX_SPEED:,} (simulated seconds per wall second)")
    if args.seconds is not None and (not math.isfinite(args.seconds) or args.seconds <= 0):
        raise CliError("--seconds must be a positive number of seconds")
    try:
        surges = tuple(parse_surge(text) for text in args.surge)
    except ValueError as exc:
        raise CliError(f"--surge: {exc}") from None
    per_day = per_day_for_rate(args.rate) if args.rate is not None else (args.per_day or MIMIKA_PER_DAY)
    engine = _engine(settings)
    start = catch_up_start(engine) if args.catch_up else None
    simulated = settings.simulated_clock  # SIMULATED_CLOCK: write at the web processes' "now", at its speed
    if simulated is not None and (args.catch_up or args.speed != 1):
        raise CliError("with SIMULATED_CLOCK set the simulator follows that clock: leave out --catch-up and --speed")
    sim = Simulator(engine, work_calendar(settings), per_day=per_day, seed=args.seed, assigner=point_assigner(settings),
                    start=simulated() if simulated is not None else start, surges=surges)
    if start is not None:
        hours = (datetime.now(UTC) - start).total_seconds() / 3600
        print(f"simulate: catching up {hours:.1f} hours since the store's last change ...", file=sys.stderr, flush=True)
        done = sim.catch_up()
        print(f"simulate: caught up: +{len(done.created)} new, {done.moved} moved on", file=sys.stderr, flush=True)
    clock = "the wall clock" if args.speed == 1 else (
        f"a clock {args.speed:g}x as fast, from now: the times written run ahead of the wall clock")
    if simulated is not None:
        clock = f"SIMULATED_CLOCK ({simulated.speed:g}x, shared with the web processes)"
    print(f"simulate: volume {per_day:g} a day with the weekly and daily rhythm, {sim.open_count():,} open; "
          f"{clock}; Ctrl-C stops", file=sys.stderr)
    for surge in surges:
        print(f"simulate: surge: {surge.category} in {surge.district} at {surge.factor:g} times its rate",
              file=sys.stderr)

    def show(step) -> None:
        if step.created or step.moved:  # a line when something happened keeps the demo's terminal readable
            stamp = step.until.astimezone(WIT).strftime("%Y-%m-%d %H:%M:%S")
            print(f"simulate {stamp} WIT: +{len(step.created)} new, {step.moved} moved on, {sim.open_count():,} open",
                  file=sys.stderr, flush=True)

    try:
        sim.run(speed=args.speed, duration=args.seconds, report=show, clock=simulated)
    except KeyboardInterrupt:
        pass
    return 0


def require_secret_key(settings: Settings) -> None:
    """Refuse to serve without SECRET_KEY: sessions signed with a guessable key are no sessions at all."""
    if not settings.secret_key and not settings.demo:
        raise CliError("SECRET_KEY is not set: generate one with `python -c \"import secrets; "
                       "print(secrets.token_hex(32))\"` and put it in the environment or .env "
                       "(DEMO_MODE=1 runs a demo with a throwaway key)")


def check_port_free(host: str, port: int) -> None:
    """A port number that exists and that no other program holds, or one clear line saying which."""
    import socket

    if not 1 <= port <= 65535:
        raise CliError(f"--port {port} is not a port number (1–65535)")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As the server itself binds: connections of a server just stopped (TIME_WAIT) do not hold the port, a
        # program listening on it does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def cmd_serve(settings: Settings, args) -> int:
    from callbacks.export_runner import start_forkserver
    from callbacks.wall import start_warmer
    from dashboard.app import create_app
    from dashboard.serving import request_handler
    from dashboard.sweeper import start_sweeper

    require_secret_key(settings)
    check_port_free(args.host, args.port)

    app = create_app(settings)
    start_forkserver()  # the export children's parent, ready before the first export
    start_sweeper(settings)
    start_warmer(app.server.config["MIMIKA_QUERY_CACHE"], settings)
    app.run(host=args.host, port=args.port, debug=args.debug,
            request_handler=request_handler(settings.connection_timeout_seconds))
    return 0


def cmd_kpis(settings: Settings, args) -> int:
    from data_access.queries import headline_kpis
    from data_access.queries.kpis import COUNT_COLUMNS
    from data_access.rulebook.scope import Filters, Scope

    now = parse_at(args.at)
    engine = _engine(settings)
    from datetime import timedelta

    kpis = headline_kpis(engine, Filters(), Scope.wall(), now, timedelta(hours=settings.at_risk_hours))
    out = {"at": now.isoformat()}
    for key in kpis.columns:  # column by column: a row across columns would turn every count into a float
        value = kpis[key].iloc[0]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out[key] = None
        elif key in COUNT_COLUMNS:
            out[key] = int(value)
        else:
            out[key] = round(float(value), 2)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_alerts(settings: Settings, args) -> int:
    from data_access.queries.surges import surge_alerts
    from data_access.rulebook.scope import Filters, Scope
    from data_access.rulebook.sla import WIT

    now = parse_at(args.at) if args.at is not None else settings.clock()()
    alerts = surge_alerts(_engine(settings), Filters(), Scope.wall(), now)
    rows = [{"district_code": r.district_code, "district": r.district if isinstance(r.district, str) else None,
             "category_code": r.category_code, "category": r.category, "observed": int(r.observed),
             "expected": round(float(r.expected), 2), "p_value": float(f"{r.p_value:.3g}")}
            for r in alerts.itertuples(index=False)]
    if args.json:
        print(json.dumps({"at": now.isoformat(), "alerts": rows}, ensure_ascii=False, indent=2))
        return 0
    stamp = now.astimezone(WIT).strftime("%Y-%m-%d %H:%M WIT")
    if not rows:
        print(f"{stamp}: no surge")
    for row in rows:
        print(f"{stamp}: SURGE {row['district'] or row['district_code']} · {row['category']}: {row['observed']} "
              f"reports in 24 h, {row['expected']:.1f} expected (p = {row['p_value']:.2g})")
    return 0


def cmd_sweep(settings: Settings, _args) -> int:
    from data_access.intake.writer import sweep_pending

    done = sweep_pending(_engine(settings), work_calendar(settings), point_assigner(settings))
    print(f"sweep: {done} reports completed", file=sys.stderr)
    return 0


def _password(args) -> str:
    if not args.password_stdin:
        raise CliError("give the password on standard input with --password-stdin (never on the command line)")
    return sys.stdin.readline()


def cmd_users(settings: Settings, args) -> int:
    from data_access import accounts

    engine = _engine(settings)
    try:
        if args.action == "add":
            accounts.add_user(engine, args.name, args.role, _password(args), args.opd)
            accounts.log_access(engine, "cli", "user_added", f"user:{args.name}", detail=args.role)
            print(f"user {args.name} added ({args.role})", file=sys.stderr)
        elif args.action == "list":
            for user in accounts.list_users(engine):
                state = "disabled" if user["disabled"] else "active"
                print(f"{user['name']}\t{user['role']}\t{','.join(user['opds']) or '-'}\t{state}")
        elif args.action == "disable":
            accounts.disable_user(engine, args.name)
            accounts.log_access(engine, "cli", "user_disabled", f"user:{args.name}")
            print(f"user {args.name} disabled", file=sys.stderr)
        elif args.action == "passwd":
            accounts.set_password(engine, args.name, _password(args))
            accounts.log_access(engine, "cli", "password_changed", f"user:{args.name}")
            print(f"password of {args.name} changed", file=sys.stderr)
    except accounts.AccountError as exc:
        raise CliError(str(exc)) from None
    return 0


@dataclass(frozen=True)
class SecretsCommand:
    """How `kiosk` and `apikeys` word the same three actions (add, list, revoke) on their named secrets."""

    log_prefix: str  # access log actions <prefix>_added and <prefix>_revoked
    target: str  # the access log's target: <target>:<name>
    added: str  # stderr after add, formatted with name=
    shown: str  # stdout after add, the secret (shown only then), formatted with secret=
    revoked: str  # stderr after revoke, formatted with name=


KIOSK_COMMAND = SecretsCommand("kiosk", "kiosk", "kiosk {name} added; open this path on the screen once "
                               "(it is shown only now):", "/wall?kiosk={secret}", "kiosk {name} revoked")
APIKEYS_COMMAND = SecretsCommand("apikey", "source", "API key for source {name} added; give it to that system "
                                 "(it is shown only now):", "{secret}", "API key of source {name} revoked")


def _manage_secrets(settings: Settings, action: str, name: str | None, registry, words: SecretsCommand) -> int:
    """`add`, `list` or `revoke` on ``registry`` (a data_access.accounts.NamedSecrets), each change logged."""
    from data_access import accounts

    engine = _engine(settings)
    try:
        if action == "add":
            secret = registry.add(engine, name)
            accounts.log_access(engine, "cli", f"{words.log_prefix}_added", f"{words.target}:{name}")
            print(words.added.format(name=name), file=sys.stderr)
            print(words.shown.format(secret=secret))
        elif action == "list":
            for row in registry.rows(engine):
                state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M} UTC" if row["revoked_at"] else "active"
                print(f"{row[registry.name.key]}\t{row['created_at']:%Y-%m-%d %H:%M} UTC\t{state}")
        elif action == "revoke":
            registry.revoke(engine, name)
            accounts.log_access(engine, "cli", f"{words.log_prefix}_revoked", f"{words.target}:{name}")
            print(words.revoked.format(name=name), file=sys.stderr)
    except accounts.AccountError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_kiosk(settings: Settings, args) -> int:
    from data_access.accounts import KIOSKS

    return _manage_secrets(settings, args.action, getattr(args, "name", None), KIOSKS, KIOSK_COMMAND)


# --- apikeys: keys of intake sources for the Open311 POST ---------------------------------------------------


def _apikeys_parser(sub) -> None:
    keys = sub.add_parser("apikeys", help="manage the API keys of Open311 intake sources")
    actions = keys.add_subparsers(dest="action", required=True)
    actions.add_parser("add", help="a key for SOURCE (report.source of what it sends); printed last, once"
                       ).add_argument("source")
    actions.add_parser("list", help="list the sources and whether their keys are active")
    actions.add_parser("revoke", help="revoke SOURCE's key (its POSTs get 403 at once)").add_argument("source")


def cmd_apikeys(settings: Settings, args) -> int:
    from data_access.intake.api_keys import API_KEYS

    return _manage_secrets(settings, args.action, getattr(args, "source", None), API_KEYS, APIKEYS_COMMAND)


# --- outbox and forward: store-and-forward from district offices (outbox/store.py, forwarder.py) ---


def _outbox_parsers(sub) -> None:
    box = sub.add_parser("outbox", help="a district office's outbox of reports recorded while the link is down")
    actions = box.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="record one report in the outbox; prints its id (the Idempotency-Key)")
    add.add_argument("--outbox", required=True, help="the outbox file (SQLite; created if missing)")
    add.add_argument("--service-code", required=True, help="a category code (see /open311/v2/services.xml)")
    add.add_argument("--description", required=True)
    for name in ("lat", "long", "address", "first-name", "last-name", "phone", "email", "nik"):
        add.add_argument(f"--{name}")
    add.add_argument("--channel", default="walk_in", help="default walk_in (a citizen at the desk)")
    add.add_argument("--anonymous", action="store_true")
    add.add_argument("--confidential", action="store_true")
    listing = actions.add_parser("list", help="the outbox's reports and their states")
    listing.add_argument("--outbox", required=True)
    forward = sub.add_parser("forward", help="send the outbox's pending reports to the center (Open311 POST)")
    forward.add_argument("--outbox", required=True)
    forward.add_argument("--to", required=True, help="the center's address, e.g. https://center.example")
    forward.add_argument("--api-key", default=None, help="this office's key (or MIMIKA_API_KEY in the environment)")
    forward.add_argument("--once", action="store_true", help="one pass, then exit (default: keep forwarding)")
    forward.add_argument("--every", type=float, default=60.0, help="seconds between passes (default 60)")


OUTBOX_FIELDS = {"lat": "lat", "long": "long", "address": "address_string", "first_name": "first_name",
                 "last_name": "last_name", "phone": "phone", "email": "email", "nik": "attribute[nik]"}


def cmd_outbox(_settings: Settings, args) -> int:
    from outbox import store as outbox

    if args.action == "list":
        for item in outbox.items(args.outbox):
            done = f"#{item.service_request_id}" if item.service_request_id else (item.last_error or "-")
            print(f"{item.id}\t{item.idempotency_key}\t{item.recorded_at:%Y-%m-%d %H:%M} UTC\t{item.state}\t"
                  f"{item.attempts}\t{done}")
        return 0
    fields = {"service_code": args.service_code, "description": args.description,
              "attribute[channel]": args.channel}
    fields.update({wire: getattr(args, name) for name, wire in OUTBOX_FIELDS.items() if getattr(args, name)})
    if args.anonymous:
        fields["attribute[anonymous]"] = "true"
    if args.confidential:
        fields["attribute[confidential]"] = "true"
    _check_outbox_fields(fields)
    item = outbox.record(args.outbox, fields)
    print(f"outbox: report {item.id} recorded; it is sent with this key:", file=sys.stderr)
    print(item.idempotency_key)
    return 0


def _check_outbox_fields(fields: dict) -> None:
    """Refuse at the desk what the center would refuse for good, so nothing waits in the outbox only to fail."""
    from data_access.store.reference import CATEGORIES
    from open311.parse import Open311Error, new_request

    try:
        new_request({**fields, "attribute": {}}, [code for code, *_ in CATEGORIES], datetime.now(UTC))
    except Open311Error as exc:
        raise CliError(exc.description.replace("service_code", "--service-code")
                       .replace("address_string", "--address")) from None


def cmd_forward(_settings: Settings, args) -> int:
    import os

    from outbox import forwarder
    from outbox import store as outbox

    key = args.api_key or os.environ.get("MIMIKA_API_KEY")
    if not key:
        raise CliError("give this office's key with --api-key or MIMIKA_API_KEY")
    if not math.isfinite(args.every) or not 1 <= args.every <= 86_400:
        raise CliError("--every must be between 1 and 86400 seconds")
    try:
        url = forwarder.requests_url(args.to)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    outbox.counts(args.outbox)  # a missing outbox is one clear line, before any sending

    def show(item, outcome) -> None:
        what = f"#{outcome.service_request_id}" if outcome.kind == "sent" else outcome.reason
        print(f"forward: report {item.id} {outcome.kind}: {what}", file=sys.stderr, flush=True)

    while True:
        summary = forwarder.forward_pending(args.outbox, url, key, report=show)
        left = summary.left
        print(f"forward: {summary.sent} sent, {summary.failed} failed for good this pass; outbox: "
              f"{left.get('sent', 0)} sent, {left.get('failed', 0)} failed, {left.get('pending', 0)} pending"
              + (f" ({summary.stopped})" if summary.stopped else ""), file=sys.stderr, flush=True)
        if args.once:
            return 0
        time.sleep(args.every)


def _demo_kiosk_file(settings: Settings) -> Path:
    """Where the demo's kiosk token is kept between runs: beside a SQLite store, else in data/ (demo only: its
    passwords are published anyway)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_suffix(".demo-kiosk")
    return REPO_ROOT / "data" / f"{url.database or 'store'}.demo-kiosk"


def cmd_demo_accounts(settings: Settings, args) -> int:
    from data_access import accounts
    from data_access.intake.bulk_load import not_a_demo_store

    if not settings.demo:
        raise CliError("demo-accounts creates accounts with published passwords: only with DEMO_MODE=1")
    base = args.base_url.rstrip("/")
    if not base.startswith(("http://", "https://")) or len(base) > 200:
        raise CliError(f"--base-url {args.base_url!r} is not an http(s) address")
    engine = _engine(settings)
    refusal = not_a_demo_store(engine)
    if refusal:  # published passwords on a store with real complaints would open it to anyone who read the README
        raise CliError(f"demo-accounts refused: this is not a demo store ({refusal}); demo accounts have published "
                       "passwords — use `users add` and `kiosk add` on a real store")
    kept = _demo_kiosk_file(settings)
    try:
        previous = kept.read_text(encoding="utf-8").strip() if kept.is_file() else None
    except OSError:
        previous = None
    users, kiosk_path = accounts.ensure_demo_accounts(engine, previous)
    token = kiosk_path.partition("kiosk=")[2]
    if token != previous:  # kept beside the store, so the next `make demo` prints the same link
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(token + "\n", encoding="utf-8")
            kept.chmod(0o600)
        except OSError as exc:
            print(f"warning: the kiosk link could not be kept in {kept} ({exc}); the next demo-accounts makes a new "
                  "one", file=sys.stderr)
    print("Demo accounts (change them with `python -m dashboard users passwd NAME --password-stdin`):")
    for name, role, password in users:
        print(f"  {name:<9} {role:<9} password: {password}")
    print(f"  log in at {base}/login · public page {base}/publik")
    print(f"  wall screen (kiosk): {base}{kiosk_path}")
    return 0

# --- processes and operations: `worker` (the background process) and `backup` --------------------------------


def _add_process_commands(sub) -> None:
    worker = sub.add_parser("worker", help="run the background work (sweep, wall warming, scheduled jobs); "
                            "one per deployment")
    worker.add_argument("--once", action="store_true", help="run every job once and exit (1 if one failed)")
    backup = sub.add_parser("backup", help="write a consistent copy of the store while the dashboard runs")
    backup.add_argument("--out", required=True, help="the backup file (SQLite: a store file; PostgreSQL: pg_dump -Fc)")


def cmd_worker(settings: Settings, args) -> int:
    import threading

    from dashboard.logs import configure_logging
    from dashboard.worker import default_jobs, run_once, start_jobs

    if not args.once:
        configure_logging()
    jobs = default_jobs(settings, point_assigner(settings))
    if args.once:
        outcome = run_once(jobs)
        for name, result in outcome.items():
            print(f"worker: {name} {result}", file=sys.stderr)
        return 0 if all(result == "ok" for result in outcome.values()) else 1
    stop = threading.Event()
    threads = start_jobs(jobs, stop)
    print(f"worker: running {', '.join(job.name for job in jobs)}; SIGTERM or Ctrl-C stops", file=sys.stderr,
          flush=True)
    try:
        while not stop.wait(3600):
            pass
    finally:  # SIGTERM arrives as SystemExit (main), Ctrl-C as KeyboardInterrupt: let the jobs finish their turn
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    return 0


def cmd_backup(settings: Settings, args) -> int:
    from pathlib import Path

    from data_access.store.backup import backup_store

    engine = _engine(settings)
    how = backup_store(engine, Path(args.out))
    print(f"backup: {args.out} written ({how})", file=sys.stderr)
    return 0


# --- import: files from other systems (CSV, XLSX, Open311 JSON/XML) into the store -----------------------------
def _import_parser(sub) -> None:
    imp = sub.add_parser("import", help="import reports from a CSV, XLSX, Open311 JSON or XML file")
    imp.add_argument("path", help="the file to import")
    imp.add_argument("--source", required=True, help="the system the file comes from (lapor, open311-nyc, …); "
                                                     "with each record's id it makes the report unique")
    # Checked by the command rather than by argparse's choices, so that a wrong value is one `error:` line.
    imp.add_argument("--format", default="auto", help="auto (default), open311-json, open311-xml, csv or xlsx")
    imp.add_argument("--mapping", default=None, help="a TOML mapping file, or preset:open311 / preset:lapor")
    imp.add_argument("--timezone", default="Asia/Jayapura",
                     help="zone of times written without one (default Asia/Jayapura = WIT; WITA, WIB, UTC, …)")
    imp.add_argument("--rejects", default=None, help="where to write rejected records (default: NAME.rejects.csv "
                                                     "beside the file)")
    imp.add_argument("--dry-run", action="store_true", help="read, check and count, but write nothing")
    imp.add_argument("--json", action="store_true", help="print the summary as one JSON line (the last line)")
    imp.add_argument("--at", default=None, help="the moment the import counts as now (ISO 8601; default now)")
    imp.add_argument("--batch-size", type=int, default=20_000, help=argparse.SUPPRESS)


def _import_progress():
    started = datetime.now(UTC)

    def show(records: int, done: int, total: int) -> None:
        pct = 100.0 * done / total if total else 100.0
        rate = records / max((datetime.now(UTC) - started).total_seconds(), 1e-6)
        bar = "#" * int(pct / 4)
        sys.stderr.write(f"\rimport: {records:>9,} records [{bar:<25}] {pct:5.1f}%  {rate:,.0f}/s")
        sys.stderr.flush()

    return show


def cmd_import(settings: Settings, args) -> int:
    from pathlib import Path

    from data_access.intake.importing import ImportFailed, ImportOptions, import_file
    from data_access.intake.importing.file_import import prepare

    if not 1 <= args.batch_size <= 100_000:
        raise CliError("--batch-size must be between 1 and 100000")
    options = ImportOptions(source=args.source, format=args.format, mapping=args.mapping, timezone=args.timezone,
                            rejects=Path(args.rejects) if args.rejects else None, dry_run=args.dry_run,
                            now=parse_at(args.at) if args.at else None, batch_size=args.batch_size)
    path = Path(args.path).expanduser()
    try:
        prepare(path, options)  # file, format, mapping and zone are checked before the store is opened
        engine = _engine(settings)
        tty = sys.stderr.isatty()
        summary = import_file(engine, work_calendar(settings), path, options, assigner=point_assigner(settings),
                              progress=_import_progress() if tty else None)
        if tty:
            sys.stderr.write("\n")
    except ImportFailed as exc:
        raise CliError(str(exc)) from None
    figures = summary.as_dict()
    verb = "would import" if summary.dry_run else "imported"
    print(f"import: {verb} {path.name}: read {summary.read:,}, inserted {summary.inserted:,}, updated "
          f"{summary.updated:,}, unchanged {summary.unchanged:,}, rejected {summary.rejected:,} "
          f"({summary.warnings:,} warnings, {summary.unmapped_category:,} in the default category)"
          + (f"; rejects in {summary.rejects_file}" if summary.rejects_file else ""), file=sys.stderr)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    return 0


# --- report: the monthly performance report as files --------------------------------------------------------


def _report_parser(sub) -> None:
    report = sub.add_parser("report", help="write a report file").add_subparsers(dest="action", required=True)
    monthly = report.add_parser("monthly", help="Laporan Kinerja Pelayanan Publik of one WIT month (PDF and XLSX)")
    monthly.add_argument("--month", required=True, help="the WIT month, YYYY-MM")
    monthly.add_argument("--out", required=True, help="the folder to write into (created when missing)")
    monthly.add_argument("--opd", default=None, help="one OPD's report (its code, e.g. PUPR)")
    monthly.add_argument("--format", choices=("pdf", "xlsx", "both"), default="both")
    monthly.add_argument("--at", default=None, help="judge at this time, ISO 8601 (default now); naive = WIT")


def _writable_folder(raw: str):
    """The --out folder, created when missing; CliError when it cannot be written (checked before any work)."""
    import tempfile
    from pathlib import Path

    folder = Path(raw).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".mimika-probe-"):
            pass
    except OSError as exc:
        raise CliError(f"--out {raw}: cannot write there ({exc.strerror or exc})") from None
    return folder


def cmd_report(settings: Settings, args) -> int:
    from sqlalchemy import select

    from data_access.queries.performance import monthly_performance, parse_month
    from data_access.rulebook.scope import Filters, Scope
    from data_access.store.schema import Opd
    from layouts import performance_report

    now = parse_at(args.at)
    try:
        parse_month(args.month, now)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    folder = _writable_folder(args.out)
    engine = _engine(settings)
    opd = args.opd.strip().upper() if args.opd else None
    if opd is not None:
        with engine.connect() as conn:
            known = set(conn.execute(select(Opd.code)).scalars())
        if opd not in known:
            raise CliError(f"--opd {args.opd!r} is not an OPD code; known: {', '.join(sorted(known))}")
    figures = monthly_performance(engine, Filters(), Scope.wall(), now, month=args.month.strip(), opd=opd)
    kinds = ("pdf", "xlsx") if args.format == "both" else (args.format,)
    for kind in kinds:
        build = performance_report.pdf_bytes if kind == "pdf" else performance_report.xlsx_bytes
        target = folder / performance_report.file_name(figures, kind)
        target.write_bytes(build(figures, "id"))
        print(target)
    return 0


# --- targets: what the regency declares good for each headline figure --------------------------------------


def _targets_parser(sub) -> None:
    targets = sub.add_parser("targets", help="list, set or clear the targets the headline figures are judged by")
    targets.add_argument("--json", action="store_true", help="list as JSON")
    actions = targets.add_subparsers(dest="action")
    listing = actions.add_parser("list", help="every figure's target in force (default, regency or OPD)")
    listing.add_argument("--json", action="store_true", dest="list_json", help="as JSON")
    setting = actions.add_parser("set", help="set the target of MEASURE (for the regency, or --opd CODE)")
    setting.add_argument("measure")
    setting.add_argument("value")
    setting.add_argument("--opd", default=None)
    clearing = actions.add_parser("clear", help="remove a set target: the regency's or the default applies again")
    clearing.add_argument("measure")
    clearing.add_argument("--opd", default=None)


def _target_rows(engine) -> list[dict]:
    """The regency's target of every figure (set or default), then each OPD's own."""
    from core import measures
    from data_access.queries.targets import resolve_targets, stored_targets

    stored = stored_targets(engine)
    rows = [dict(r._asdict()) for r in resolve_targets(stored, None).itertuples(index=False)]
    rows += [{**r, "source": "opd"} for r in stored if r["opd_code"]]
    for row in rows:
        row["direction"] = measures.DIRECTION[row["measure"]]
        default = measures.DEFAULT_TARGETS.get(row["measure"])
        row["default"] = default.value if default else None
        row["basis"] = default.basis if default and row["source"] == "default" else None
        at = row.get("set_at")
        row["set_at"] = None if at is None or at != at else at.isoformat()
        row["set_by"] = row.get("set_by") if isinstance(row.get("set_by"), str) else None
    return rows


def cmd_targets(settings: Settings, args) -> int:
    import getpass

    from data_access import accounts
    from data_access.targets import TargetError, clear_target, set_target

    engine = _engine(settings)
    try:
        if args.action == "set":
            try:
                by = "cli:" + getpass.getuser()
            except (KeyError, OSError):
                by = "cli"
            key, value, code = set_target(engine, args.measure, args.value, args.opd, by, datetime.now(UTC))
            accounts.log_access(engine, "cli", "target_set", f"target:{key}:{code or '*'}", detail=f"{value:g}")
            print(f"target {key} = {value:g}" + (f" for {code}" if code else " for the regency"), file=sys.stderr)
            return 0
        if args.action == "clear":
            gone = clear_target(engine, args.measure, args.opd)
            accounts.log_access(engine, "cli", "target_cleared", f"target:{args.measure.strip()}:{args.opd or '*'}")
            print("target cleared" if gone else "no such target was set; nothing changed", file=sys.stderr)
            return 0
    except TargetError as exc:
        raise CliError(str(exc)) from None
    rows = _target_rows(engine)
    if args.json or getattr(args, "list_json", False):
        print(json.dumps({"targets": rows}, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        where = row["opd_code"] or "*"
        origin = row["source"] + (f" by {row['set_by']} at {row['set_at']}" if row["set_by"] else "")
        better = "≥" if row["direction"] == "higher" else "≤"
        print(f"{row['measure']}\t{where}\t{better} {row['value']:g}\t{origin}")
    return 0


COMMANDS = {"init-db": cmd_init_db, "seed-demo": cmd_seed_demo, "simulate": cmd_simulate, "serve": cmd_serve,
            "kpis": cmd_kpis, "alerts": cmd_alerts, "sweep": cmd_sweep, "users": cmd_users, "kiosk": cmd_kiosk,
            "demo-accounts": cmd_demo_accounts, "apikeys": cmd_apikeys,
            "outbox": cmd_outbox, "forward": cmd_forward, "import": cmd_import, "report": cmd_report,
            "worker": cmd_worker, "backup": cmd_backup, "targets": cmd_targets}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command not in METRICS_COMMANDS:
        # The services' metrics folder (/run/mimika/metrics) is theirs: a one-off command writing its counters
        # there would be summed into /metrics until the web restarts, and one run before the services made it
        # would stop at its first counter (FileNotFoundError). Its counters stay in this process.
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from data_access.store.engine import StoreUnavailable
    from geo.boundaries import BoundaryError

    try:
        settings = Settings.from_env()
        return COMMANDS[args.command](settings, args)
    except (CliError, SettingsError, StoreUnavailable, BoundaryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"error: the store failed: {first}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a read-only folder, a path through a file, a full disk
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
