"""`python -m dashboard …`: set up the store, fill it with a demo, simulate traffic, serve, and ask for KPIs.

Bad input gets one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from core.bounded import EARLIEST_DAY
from core.settings import Settings, SettingsError
from data_access.sla import work_calendar

EXIT_USAGE = 2


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
    sim = sub.add_parser("simulate", help="keep adding reports and moving open ones, in real time")
    sim.add_argument("--rate", type=float, default=6.0, help="new reports a minute (default 6)")
    sim.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    sim.add_argument("--seed", type=int, default=None)
    serve = sub.add_parser("serve", help="serve the dashboard")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--debug", action="store_true")
    kpis = sub.add_parser("kpis", help="print the headline KPIs")
    kpis.add_argument("--json", action="store_true", help="as JSON (the only format for now)")
    kpis.add_argument("--at", default=None, help="the time to count at, ISO 8601 (default now); naive = WIT")
    sub.add_parser("sweep", help="fill due times and districts for rows that intake systems wrote directly")
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
    sub.add_parser("demo-accounts", help="demo only (DEMO_MODE=1): one account per role and a wall kiosk link")
    kiosk = sub.add_parser("kiosk", help="manage wall screens").add_subparsers(dest="action", required=True)
    kiosk.add_parser("add", help="add a wall screen; prints the path that opens it").add_argument("name")
    kiosk.add_parser("list", help="list the wall screens")
    kiosk.add_parser("revoke", help="revoke a wall screen's access").add_argument("name")
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
    from data_access.sla import WIT

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
    from data_access.engine import check_store, make_engine

    engine = make_engine(settings.database_url, create=create)
    if check:
        check_store(engine)
    return engine


def _assigner(settings: Settings):
    if settings.boundaries_districts is None:
        return None
    from data_access.reference import districts
    from geo.assign import PointAssigner

    return PointAssigner.from_files(settings.boundaries_districts, settings.boundaries_villages,
                                    known_district_codes={d.code for d in districts()})


def _init_store(settings: Settings):
    from data_access.migrate import upgrade
    from data_access.reference import load_reference

    engine = _engine(settings, create=True, check=False)
    upgrade(engine)
    load_reference(engine)
    return engine


def cmd_init_db(settings: Settings, _args) -> int:
    engine = _init_store(settings)
    print(f"store ready: {engine.url.render_as_string(hide_password=True)}", file=sys.stderr)
    return 0


def cmd_seed_demo(settings: Settings, args) -> int:
    from sqlalchemy import func, select

    from data_access.demo import DemoConfig, StoreNotEmpty, seed_demo
    from data_access.schema import Report

    if args.days < 1 or args.per_day <= 0 or not math.isfinite(args.per_day):
        raise CliError("--days must be at least 1 and --per-day a positive number")
    engine = _init_store(settings)
    if args.if_empty:
        with engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(Report)).scalar_one():
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
    from data_access.simulator import Simulator

    if args.rate <= 0 or not math.isfinite(args.rate):
        raise CliError("--rate must be a positive number of reports a minute")
    if args.seconds is not None and (not math.isfinite(args.seconds) or args.seconds <= 0):
        raise CliError("--seconds must be a positive number of seconds")
    engine = _engine(settings)
    sim = Simulator(engine, work_calendar(settings), rate_per_minute=args.rate, seed=args.seed,
                    assigner=_assigner(settings))
    print(f"simulate: about {args.rate:g} new reports a minute; Ctrl-C stops", file=sys.stderr)

    def show(created: int, moved: int) -> None:
        if created:  # one line per arrival keeps the demo's terminal readable
            stamp = datetime.now(UTC).strftime("%H:%M:%S")
            print(f"simulate {stamp} UTC: +{created} new, {moved} moved on", file=sys.stderr, flush=True)

    try:
        sim.run(duration=args.seconds, report=show)
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
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def cmd_serve(settings: Settings, args) -> int:
    from callbacks.export_runner import start_forkserver
    from callbacks.wall import start_warmer
    from dashboard.app import create_app
    from dashboard.sweeper import start_sweeper

    require_secret_key(settings)
    check_port_free(args.host, args.port)

    app = create_app(settings)
    start_forkserver()  # the export children's parent, ready before the first export
    start_sweeper(settings)
    start_warmer(app.server.config["MIMIKA_QUERY_CACHE"], settings)
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def cmd_kpis(settings: Settings, args) -> int:
    from data_access.queries import headline_kpis
    from data_access.queries.kpis import COUNT_COLUMNS
    from data_access.scope import Filters, Scope

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


def cmd_sweep(settings: Settings, _args) -> int:
    from data_access.ingest import sweep_pending

    done = sweep_pending(_engine(settings), work_calendar(settings), _assigner(settings))
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


def cmd_kiosk(settings: Settings, args) -> int:
    from data_access import accounts

    engine = _engine(settings)
    try:
        if args.action == "add":
            token = accounts.add_kiosk(engine, args.name)
            accounts.log_access(engine, "cli", "kiosk_added", f"kiosk:{args.name}")
            print(f"kiosk {args.name} added; open this path on the screen once (it is shown only now):",
                  file=sys.stderr)
            print(f"/wall?kiosk={token}")
        elif args.action == "list":
            for kiosk in accounts.list_kiosks(engine):
                state = f"revoked {kiosk['revoked_at']:%Y-%m-%d %H:%M} UTC" if kiosk["revoked_at"] else "active"
                print(f"{kiosk['name']}\t{kiosk['created_at']:%Y-%m-%d %H:%M} UTC\t{state}")
        elif args.action == "revoke":
            accounts.revoke_kiosk(engine, args.name)
            accounts.log_access(engine, "cli", "kiosk_revoked", f"kiosk:{args.name}")
            print(f"kiosk {args.name} revoked", file=sys.stderr)
    except accounts.AccountError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_demo_accounts(settings: Settings, _args) -> int:
    from data_access import accounts

    if not settings.demo:
        raise CliError("demo-accounts creates accounts with published passwords: only with DEMO_MODE=1")
    users, kiosk_path = accounts.ensure_demo_accounts(_engine(settings))
    base = "http://127.0.0.1:8050"
    print("Demo accounts (change them with `python -m dashboard users passwd NAME --password-stdin`):")
    for name, role, password in users:
        print(f"  {name:<9} {role:<9} password: {password}")
    print(f"  log in at {base}/login · public page {base}/publik")
    print(f"  wall screen (kiosk): {base}{kiosk_path}")
    return 0


COMMANDS = {"init-db": cmd_init_db, "seed-demo": cmd_seed_demo, "simulate": cmd_simulate, "serve": cmd_serve,
            "kpis": cmd_kpis, "sweep": cmd_sweep, "users": cmd_users, "kiosk": cmd_kiosk,
            "demo-accounts": cmd_demo_accounts}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from data_access.engine import StoreUnavailable
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
