"""The import of one file: read → translate → write in batches, with a rejects file and a summary.

Every record read is counted once as inserted, updated, unchanged or rejected, so
``inserted + updated + unchanged + rejected == read`` always. A record whose id comes again in the same batch is
written once, as its newest copy (upsert.version: the newer time, then the later status); the older copies count
as unchanged (and as ``superseded``). Across batches the store keeps the newest copy the same way (plan_update).
Batches commit as they go; a rerun after a crash finds the batches already written (unchanged) and continues,
ending with the store a single run would leave.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.spreadsheet_cells import csv_cell
from data_access.intake.bulk_load import DEMO_SOURCES
from data_access.intake.importing import writer_process
from data_access.intake.importing.dates import time_zone
from data_access.intake.importing.mapping import Mapping, MappingError, guess_mapping, load_mapping
from data_access.intake.importing.pipeline import BatchWriter, SparseCollection
from data_access.intake.importing.readers import FORMATS, RawRecord, UnreadableFile, detect_format, open_reader
from data_access.intake.importing.translate import Candidate, Reference, Rejected, Translator
from data_access.intake.importing.upsert import BatchResult, ReportUpserter, version, version_code
from data_access.rulebook.policies import policies_from_store
from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import is_sqlite, sqlite_path
from data_access.store.schema import Category, Opd

DEFAULT_BATCH = 5000
# With the writer beside the reader, the batches at both ends are smaller: the writer waits, idle, for the first
# batch, and the import waits for the writer to finish the last ones. A first batch of SMALLEST_BATCH rows starts
# the writer sooner; near the end each batch is half the rows estimated left, so the writer's last batches are
# short (about a quarter of a second less on benchmarks/bench_import.py's 200,000 rows).
SMALLEST_BATCH = 500
Progress = Callable[[int, int, int], None]  # (records read, bytes read, bytes in the file)
_SOURCE_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:")


class ImportFailed(ValueError):
    """The import cannot start or go on (a missing file, an unknown format, a bad mapping, a broken file)."""


@dataclass
class ImportOptions:
    source: str
    format: str = "auto"
    mapping: str | None = None  # a TOML path or "preset:NAME"; None: guessed from the file
    timezone: str = "Asia/Jayapura"
    rejects: Path | None = None  # default: beside the file, NAME.rejects.csv
    dry_run: bool = False
    now: datetime | None = None
    batch_size: int = DEFAULT_BATCH
    # The speed path: batches written on a thread of their own (pipeline.py) and SQLite's multi-row statements.
    # False writes in the reader's thread, row by row: the plain path the speed path is tested against.
    fast: bool = True
    # On the speed path, the batches are written by a forked process (writer_process.py) where the platform
    # forks; False keeps the writer a thread of this process (pipeline.BatchWriter).
    writer_process: bool = True


@dataclass
class ImportSummary:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    unmapped_category: int = 0
    unmapped_opd: int = 0
    outside: int = 0
    derived_ids: int = 0
    superseded: int = 0  # older copies of a record that a newer copy in the same file replaced (in unchanged)
    format: str = ""
    mapping: str = ""
    source: str = ""
    dry_run: bool = False
    rejects_file: str | None = None
    seconds: float = 0.0
    unmapped_category_values: dict[str, int] = field(default_factory=dict)
    unmapped_opd_values: dict[str, int] = field(default_factory=dict)
    columns_missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("read", "inserted", "updated", "unchanged", "rejected", "warnings",
                                             "unmapped_category", "unmapped_opd", "outside", "derived_ids",
                                             "superseded")}
        out.update(format=self.format, mapping=self.mapping, source=self.source, dry_run=self.dry_run,
                   rejects_file=self.rejects_file, seconds=round(self.seconds, 3),
                   unmapped_category_values=self.unmapped_category_values,
                   unmapped_opd_values=self.unmapped_opd_values, columns_missing=self.columns_missing)
        return out


def default_rejects_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.csv")


class RejectsFile:
    """CSV (UTF-8 with BOM, so spreadsheets read it right): line, kind (rejected | warning), reason, record."""

    HEADER = ("line", "kind", "reason", "record")

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file = None
        self._writer = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by close()
            self._writer = csv.writer(self._file)
            self._writer.writerow(self.HEADER)

    def write(self, record: RawRecord, kind: str, reason: str) -> None:
        if self._writer is not None:
            self._writer.writerow((record.number, kind, csv_cell(reason), csv_cell(record.raw_text())))

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def check_source(source: str) -> str:
    source = (source or "").strip()
    if not source or len(source) > 32 or not set(source) <= _SOURCE_CHARS:
        raise ImportFailed(f"--source {source!r} must be 1–32 letters, digits or . _ - : (e.g. lapor, open311-nyc)")
    if source in DEMO_SOURCES:  # real reports under the demo's name would pass for demo data (not_a_demo_store)
        raise ImportFailed(f"--source {source!r} is the demo's own: name the system the file comes from")
    return source


def _reference(engine: Engine) -> tuple[Reference, dict]:
    with Session(engine) as session:
        categories = {code: (name, name_en, opd) for code, name, name_en, opd in session.execute(
            select(Category.code, Category.name, Category.name_en, Category.default_opd_code))}
        opds = {code: (name, short) for code, name, short in session.execute(
            select(Opd.code, Opd.name, Opd.short_name))}
        policies = policies_from_store(session)
    return Reference(categories, opds), policies


def prepare(path: Path, options: ImportOptions) -> tuple[str, Mapping | None, object]:
    """Check what can be checked before touching the store: the file, the format, the mapping, the zone."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    if not path.is_file():
        raise ImportFailed(f"{path}: not a file")
    if options.format not in FORMATS:
        raise ImportFailed(f"--format {options.format!r} is not one of {', '.join(FORMATS)}")
    try:
        tz = time_zone(options.timezone)
    except ValueError as exc:
        raise ImportFailed(f"--timezone {exc}") from None
    try:
        fmt = detect_format(path, options.format)
        mapping = load_mapping(options.mapping) if options.mapping else None
    except (UnreadableFile, MappingError) as exc:
        raise ImportFailed(str(exc)) from None
    check_source(options.source)
    return fmt, mapping, tz


def import_file(engine: Engine, workcal: WorkCalendar, path: Path | str, options: ImportOptions, *,
                assigner=None, progress: Progress | None = None) -> ImportSummary:
    """Import one file into the store (or, with ``dry_run``, say what an import would do)."""
    started = time.perf_counter()
    path = Path(path)
    fmt, mapping, tz = prepare(path, options)
    source = check_source(options.source)
    now = (options.now or datetime.now(UTC)).astimezone(UTC)
    reference, policies = _reference(engine)
    try:
        reader = open_reader(path, fmt)
    except UnreadableFile as exc:
        raise ImportFailed(f"{path.name}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path.name}: cannot decode the text ({exc.reason})") from None
    rejects = None
    try:
        if reader.columns is not None and not reader.columns:
            raise ImportFailed(f"{path.name}: no header row (the file is empty)")
        try:
            mapping = mapping or guess_mapping(reader.columns, fmt)
            translator = Translator(mapping, reader.columns, reference, tz, now)
        except MappingError as exc:
            raise ImportFailed(str(exc)) from None
        _prescan(path, fmt, translator)
        rejects_path = options.rejects or (None if options.dry_run else default_rejects_path(path))
        rejects = RejectsFile(rejects_path)
        summary = ImportSummary(format=fmt, mapping=mapping.name, source=source, dry_run=options.dry_run,
                                rejects_file=str(rejects_path) if rejects_path else None,
                                columns_missing=translator.missing_columns)
        writer = ReportUpserter(engine, source, workcal, policies, now, assigner=assigner, dry_run=options.dry_run,
                                bulk=options.fast)
        threaded = options.fast and not options.dry_run and _threads_share_store(engine)
        _run(reader, translator, writer, rejects, summary, max(1, options.batch_size), progress,
             fast=options.fast, threaded=threaded,
             process=threaded and options.writer_process and writer_process.available())
    except UnreadableFile as exc:
        raise ImportFailed(f"{path.name}: {exc}") from None
    finally:
        reader.close()
        if rejects is not None:
            rejects.close()
    tally = translator.tally
    summary.unmapped_category = sum(tally.unmapped_category.values())
    summary.unmapped_opd = sum(tally.unmapped_opd.values())
    summary.unmapped_category_values = dict(tally.unmapped_category.most_common(20))
    summary.unmapped_opd_values = dict(tally.unmapped_opd.most_common(20))
    summary.derived_ids = tally.derived_ids
    summary.seconds = time.perf_counter() - started
    return summary


# A date column that shows no day/month value in this many values is taken to have none (ISO, say); the pre-scan
# then stops early instead of reading the whole file again.
PRESCAN_SETTLE = 1000


def _threads_share_store(engine: Engine) -> bool:
    """An in-memory SQLite store is one per connection, and a thread would get a connection of its own."""
    return not (is_sqlite(engine) and sqlite_path(engine) is None)


def _prescan(path: Path, fmt: str, translator: Translator) -> None:
    """Decide day/month order per date column from the whole file before anything is written."""
    if not translator.dates:
        return
    reader = open_reader(path, fmt)
    try:
        seen = 0
        for record in reader.records():
            translator.observe(record)
            seen += 1
            if translator.dates_settled() or (seen >= PRESCAN_SETTLE and not _day_month_seen(translator)):
                break
    finally:
        reader.close()
    translator.decide_dates()


def _day_month_seen(translator: Translator) -> bool:
    """True while some column still looks undecided *because* of day/month values (worth reading on)."""
    return any(c.day_month_seen and not c.decided for c in translator.dates.values())


def _next_batch(batch_size: int, overlapped: bool, read: int, reader) -> int:
    """The size of the next batch (see SMALLEST_BATCH): rows left are estimated from the bytes read so far."""
    if not overlapped or batch_size <= SMALLEST_BATCH:
        return batch_size
    position = reader.position()
    if not read or position <= 0:
        return SMALLEST_BATCH
    left = (reader.size - position) * read / position
    return int(max(SMALLEST_BATCH, min(batch_size, left / 2)))


def _run(reader, translator: Translator, writer: ReportUpserter, rejects: RejectsFile, summary: ImportSummary,
         batch_size: int, progress: Progress | None, *, fast: bool, threaded: bool, process: bool = False) -> None:
    batch: dict[str, Candidate] = {}  # by external id: the newest copy of each record in the batch
    # The newest copy of each record so far in the file (hash of the id → version_code): copies without a time are
    # told apart only here (the store cannot: upsert.Stored.version), by their status. About 100 bytes a record.
    newest: dict[int, int] = {}
    limit = _next_batch(batch_size, threaded, 0, reader)

    def count(result: BatchResult) -> None:
        summary.inserted += result.inserted
        summary.updated += result.updated
        summary.unchanged += result.unchanged
        summary.outside += result.outside

    def write(item) -> None:  # on the writer's thread when threaded
        count(writer.write_prepared(item) if fast else writer.write(item))

    if hasattr(writer.assigner, "build_grids"):
        # The assigner's lookup grid answers a point in ~1 µs instead of ~10 µs, and costs only the cells the
        # file's points fall in (geo/assign.py): worth it for a file of any size.
        writer.assigner.build_grids()
    batches = (writer_process.ProcessBatchWriter(writer, count) if process
               else BatchWriter(write, threaded=threaded))
    collector = SparseCollection(enabled=fast)

    def flush() -> None:
        nonlocal batch, limit
        if batch:
            # The speed path computes the rows here, so that the writer's thread mostly waits on the store.
            candidates = list(batch.values())
            batches.submit(writer.prepare(candidates) if fast else candidates)
        collector.rows_done(len(batch))
        batch = {}
        limit = _next_batch(batch_size, threaded, summary.read, reader)
        rejects.flush()
        if progress is not None:
            progress(summary.read, reader.position(), reader.size)

    with collector:  # its pause covers the writer finishing the last batches too
        try:
            for record in reader.records():
                summary.read += 1
                try:
                    candidate = translator.translate(record)
                except Rejected as exc:
                    summary.rejected += 1
                    rejects.write(record, "rejected", exc.reason)
                    continue
                for warning in candidate.warnings:
                    summary.warnings += 1
                    rejects.write(record, "warning", warning)
                key, code = hash(candidate.external_id), version_code(version(candidate, writer.now))
                best = newest.get(key)
                if best is not None and code < best:
                    summary.unchanged += 1  # an older copy than one earlier in the file: it changes nothing
                    summary.superseded += 1
                    continue
                newest[key] = code
                if candidate.external_id in batch:
                    # The same report twice in one batch: only the newer copy is written (equal copies: the later
                    # one, which says nothing more).
                    summary.unchanged += 1
                    summary.superseded += 1
                batch[candidate.external_id] = candidate
                if len(batch) >= limit:
                    flush()
            flush()
        finally:
            # Whatever stopped the reading, the batches already handed over are written (as they would have been
            # without the thread) before the import returns or fails.
            batches.close()
