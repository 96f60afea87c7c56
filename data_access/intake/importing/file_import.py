"""The import of one file: a pre-scan, then read → translate → write in batches, with a rejects file and a summary
in which every record read is counted once (inserted, updated, unchanged or rejected). Batches commit as they go:
a rerun after a crash finds them written (unchanged) and ends with the store a single run would leave."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.spreadsheet_cells import csv_cell
from data_access.intake.bulk_load import DEMO_SOURCES
from data_access.intake.importing.cell_values import share_decisions, time_zone
from data_access.intake.importing.readers import FORMATS, RawRecord, UnreadableFile, detect_format, open_reader
from data_access.intake.importing.translate import MappingError, Reference, Translator, guess_mapping, load_mapping
from data_access.intake.importing.upsert import ReportUpserter, version
from data_access.rulebook.policies import policies_from_store
from data_access.rulebook.sla import WorkCalendar
from data_access.store.schema import Category, Opd

DEFAULT_BATCH = 20_000  # new reports per transaction as they go into the store sorted (upsert.ReportUpserter)
CHUNK = 2000  # records translated and written at a time: a chunk that stays in the processor's cache
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
        return {**asdict(self), "seconds": round(self.seconds, 3)}


def default_rejects_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.csv")


class RejectsFile:
    """CSV (UTF-8 with BOM, so spreadsheets read it right): line, kind (rejected | warning), reason, record."""

    def __init__(self, path: Path | None) -> None:
        self._file = self._writer = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by close()
            self._writer = csv.writer(self._file)
            self._writer.writerow(("line", "kind", "reason", "record"))

    def write(self, record: RawRecord, kind: str, reason: str) -> None:
        if self._writer is not None:
            self._writer.writerow((record.number, kind, csv_cell(reason), csv_cell(record.raw_text())))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def prepare(path: Path, options: ImportOptions) -> tuple:
    """Check the file, the format, the mapping (None: to be guessed), the zone and the source before the store."""
    if not path.is_file():
        raise ImportFailed(f"{path}: {'not a file' if path.exists() else 'no such file'}")
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
    source = (options.source or "").strip()
    if not source or len(source) > 32 or not set(source) <= _SOURCE_CHARS:
        raise ImportFailed(f"--source {source!r} must be 1–32 letters, digits or . _ - : (e.g. lapor, open311-nyc)")
    if source in DEMO_SOURCES:  # real reports under the demo's name would pass for demo data (not_a_demo_store)
        raise ImportFailed(f"--source {source!r} is the demo's own: name the system the file comes from")
    return fmt, mapping, tz, source


def import_file(engine: Engine, workcal: WorkCalendar, path: Path | str, options: ImportOptions, *,
                assigner=None, progress: Progress | None = None) -> ImportSummary:
    """Import one file into the store (or, with ``dry_run``, say what an import would do)."""
    started = time.perf_counter()
    path = Path(path)
    fmt, mapping, tz, source = prepare(path, options)
    now = (options.now or datetime.now(UTC)).astimezone(UTC)
    with Session(engine) as session:
        reference = Reference(
            {code: (name, name_en, opd) for code, name, name_en, opd in session.execute(
                select(Category.code, Category.name, Category.name_en, Category.default_opd_code))},
            {code: (name, short) for code, name, short in session.execute(select(Opd.code, Opd.name, Opd.short_name))})
        policies = policies_from_store(session)
    reader = rejects = None
    try:
        reader = open_reader(path, fmt)
        if reader.columns == []:
            raise ImportFailed(f"{path.name}: no header row (the file is empty)")
        try:
            translator = Translator(mapping or guess_mapping(reader.columns, fmt), reader.columns, reference, tz, now)
        except MappingError as exc:
            raise ImportFailed(str(exc)) from None
        winners = _prescan(path, fmt, translator)
        rejects_path = options.rejects or (None if options.dry_run else default_rejects_path(path))
        rejects = RejectsFile(rejects_path)
        summary = ImportSummary(format=fmt, mapping=translator.mapping.name, source=source, dry_run=options.dry_run,
                                rejects_file=str(rejects_path) if rejects_path else None,
                                columns_missing=translator.missing_columns)
        writer = ReportUpserter(engine, source, workcal, policies, now, assigner=assigner, dry_run=options.dry_run,
                                transaction_rows=max(1, options.batch_size))
        try:
            _run(reader, translator, writer, rejects, summary, min(CHUNK, max(1, options.batch_size)), progress,
                 winners)
        except BaseException:
            writer.close(complete=False)
            raise
        writer.close()
    except UnreadableFile as exc:
        raise ImportFailed(f"{path.name}: {exc}") from None
    finally:
        for opened in (reader, rejects):
            if opened is not None:
                opened.close()
    summary.unmapped_category = sum(translator.unmapped_category.values())
    summary.unmapped_opd = sum(translator.unmapped_opd.values())
    summary.unmapped_category_values = dict(translator.unmapped_category.most_common(20))
    summary.unmapped_opd_values = dict(translator.unmapped_opd.most_common(20))
    summary.derived_ids = translator.derived_ids
    summary.seconds = time.perf_counter() - started
    return summary


def _batches(records, size: int = CHUNK):
    records = iter(records)
    while batch := list(islice(records, size)):
        yield batch


def _records(path: Path, fmt: str):
    with closing(open_reader(path, fmt)) as reader:
        yield from reader.records()


def _prescan(path: Path, fmt: str, translator: Translator) -> dict[str, int]:
    """A read of the file before anything is written: day/month order per date column from every value, and the
    ids that come more than once, of which only the newest copy (upsert.version; full ties: the later) is written,
    so a re-import compares that copy alone with the store. Returns the winning record's number per repeated id."""
    seen, repeated, derived = set(), set(), False
    for batch in _batches(_records(path, fmt)):
        translator.observe(batch)
        for raw in translator.raw_ids(batch):
            if raw is None:
                derived = True
            else:
                (repeated if hash(raw) in seen else seen).add(hash(raw))
    share_decisions(list(translator.dates.values()), translator.mapping.date_order)
    del seen
    best: dict[str, tuple] = {}
    if repeated or derived:  # only the records that need it are translated: repeated ids and derived ones
        for batch in _batches(_records(path, fmt)):
            needed = [r for r, raw in zip(batch, translator.raw_ids(batch), strict=True)
                      if raw is None or hash(raw) in repeated]
            for candidate in translator.translate(needed)[0]:
                rank = (version(candidate, translator.now), candidate.number)
                if candidate.external_id not in best or rank > best[candidate.external_id]:
                    best[candidate.external_id] = rank
        translator.recount()
    return {external_id: number for external_id, (_, number) in best.items()}


def _run(reader, translator: Translator, writer: ReportUpserter, rejects: RejectsFile, summary: ImportSummary,
         batch_size: int, progress: Progress | None, winners: dict[str, int]) -> None:
    if hasattr(writer.assigner, "build_grids"):
        writer.assigner.build_grids()  # a point found ten times faster, for the cells the file's points fall in
    for batch in _batches(reader.records(), batch_size):
        summary.read += len(batch)
        candidates, reasons = translator.translate(batch)
        by_number = {c.number: c for c in candidates}
        for i, record in enumerate(batch):  # the rejects file in the file's order
            if i in reasons:
                rejects.write(record, "rejected", reasons[i])
            else:
                for warning in by_number[record.number].warnings:
                    rejects.write(record, "warning", warning)
        summary.rejected += len(reasons)
        summary.warnings += sum(len(c.warnings) for c in candidates)
        fresh = [c for c in candidates if winners.get(c.external_id, c.number) == c.number]
        summary.unchanged += len(candidates) - len(fresh)  # an older copy of a record the file holds newer
        summary.superseded += len(candidates) - len(fresh)
        if fresh:
            writer.write(fresh, summary)
        if progress is not None:
            progress(summary.read, reader.position(), reader.size)
