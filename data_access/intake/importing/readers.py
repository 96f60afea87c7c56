"""Readers: one record at a time from CSV, XLSX (openpyxl read-only), Open311 JSON (ijson events) and Open311 XML.
However hostile the file, a reader stops at a limit below with :class:`UnreadableFile` naming it (the CLI's one
``error:`` line, exit 2) before the shape costs memory or a RecursionError; each is far beyond a real export."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import NamedTuple
from xml.parsers import expat

import ijson
from ijson.common import ObjectBuilder
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from data_access.intake.importing.cell_values import clean_key, is_missing

FORMATS = ("auto", "open311-json", "open311-xml", "csv", "xlsx")
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "open311-json",
               ".xml": "open311-xml"}
# Keys of a wrapper object whose value is the list of records ({"requests": [...]}), and of a wrapper element.
WRAPPERS = frozenset({"requests", "service_requests", "servicerequests", "data", "records", "items", "results",
                      "reports", "laporan", "rows", "features"})
XML_WRAPPERS = frozenset({"service_requests", "requests", "data", "records", "items", "results", "reports"})
MAX_COLUMNS = 500  # our report has ~15 fields; LAPOR!'s widest export ~40, a city's Open311 dump ~30
MAX_FIELD_CHARS = 1 << 20  # one value: 200× the description the store keeps; a longer one rejects its record
MAX_RECORD_CHARS = 4 << 20  # one record's text; a longer one stops the file (the reader would hold it whole)
MAX_NESTING = 64  # objects, lists or elements inside one another (an Open311 request nests two levels)
# An .xlsx's shared-strings table, which openpyxl loads whole before the first row (300,000 reports: ~1 million)
MAX_SHARED_STRINGS = 2_000_000
MAX_SHARED_CHARS = 200_000_000
MAX_ROW_CELLS = 16_384  # cells in one worksheet row and the last column (Excel's XFD): openpyxl builds a row whole
csv.field_size_limit(MAX_FIELD_CHARS)


class UnreadableFile(ValueError):
    """The file as a whole cannot be read in the chosen format; the message names the place."""


# A stray cp1252 byte in an otherwise UTF-8 export (a Windows tool appended a line): read that byte as cp1252
# instead of failing the file or inventing U+FFFD.
codecs.register_error("mimika_cp1252", lambda e: (e.object[e.start:e.end].decode("cp1252", "replace"), e.end))


class RawRecord(NamedTuple):
    """A record as the file has it: line, row or position, fields, original text, reader warnings (duplicate keys)."""

    number: int
    fields: dict
    raw: object
    notes: tuple[str, ...] = ()

    def raw_text(self) -> str:
        if isinstance(self.raw, str):
            return self.raw
        if isinstance(self.raw, list):
            return "".join(self.raw).rstrip("\r\n")
        return json.dumps(self.raw, ensure_ascii=False, default=str)


def detect_format(path: Path, requested: str = "auto") -> str:
    """The reader for ``path``: as requested, else from the extension, else from the first bytes."""
    if requested != "auto":
        return requested
    if path.suffix.lower() == ".xls":
        raise UnreadableFile("old binary Excel (.xls) is not supported: save it as .xlsx or .csv")
    if path.suffix.lower() in _EXTENSIONS:
        return _EXTENSIONS[path.suffix.lower()]
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    first = b"" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else head.lstrip(codecs.BOM_UTF8).lstrip()
    return {b"[": "open311-json", b"{": "open311-json", b"<": "open311-xml"}.get(first[:1], "csv")


def open_reader(path: Path, fmt: str) -> Reader:
    return {"csv": CsvReader, "xlsx": XlsxReader, "open311-json": JsonReader, "open311-xml": XmlReader}[fmt](path)


class Reader:
    """``columns`` (the header, or None for JSON/XML), ``records()``, ``position()`` in bytes for progress."""

    columns: list[str] | None = None

    def __init__(self, path: Path) -> None:
        self.path, self.size = path, os.path.getsize(path)
        self._binary = open(path, "rb")  # noqa: SIM115 - closed by close()

    def position(self) -> int:
        return self._binary.tell()

    def close(self) -> None:
        self._binary.close()


def _names(row, trim: bool = False) -> list[str]:
    """A header row's names, each given once ("column_3" for a blank one)."""
    names = [(clean_key(v) or "").lstrip("\ufeff").strip() for v in row]
    while trim and names and not names[-1]:
        names.pop()  # a sheet's used range often runs past the last named column
    if len(names) > MAX_COLUMNS:
        raise UnreadableFile(f"the header has {len(names):,} columns (the limit is {MAX_COLUMNS})")
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        seen[name] = seen.get(name, 0) + 1
        names[i] = f"{name}_{seen[name]}" if seen[name] > 1 else name
    return names


def _is_header(values: list, header: list[str]) -> bool:
    return [(clean_key(v) or "").lstrip("\ufeff").strip().casefold() for v in values] == header


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample's first lines (csv.Sniffer among , ; tab |); a comma when it cannot tell."""
    try:
        return csv.Sniffer().sniff("\n".join(sample.splitlines()[:20]), delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


class CsvReader(Reader):
    """CSV with a header row; the delimiter from Excel's "sep=;" line or sniffed; BOM, CRLF and quoted newlines
    handled. UTF-8 with stray cp1252 bytes read as cp1252, or UTF-16 with a BOM (Excel's "Unicode text")."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        head = self._binary.read(65536)
        self._binary.seek(0)
        utf16 = head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        encoding, errors = ("utf-16", "replace") if utf16 else ("utf-8-sig", "mimika_cp1252")
        sample = head[:65534].decode(encoding, errors)
        first = sample.split("\n", 1)[0].strip()  # Excel's "sep=;" line names the delimiter
        self.delimiter = first[4] if first.lower().startswith("sep=") and len(first) == 5 else sniff_delimiter(sample)
        self._text = io.TextIOWrapper(self._binary, encoding=encoding, errors=errors, newline="")
        self._lines, self._line_no = [], 0  # the current record's lines (for the rejects file), the lines read
        self._reader = csv.reader(self._capture(), delimiter=self.delimiter)
        self.columns = []
        for row in self._reader:
            self._lines = []
            if sum(1 for cell in row if cell.strip()) >= 2:  # a title line above the header ("Laporan …") is none
                self.columns = _names(row)
                break

    def _capture(self) -> Iterator[str]:
        """The file's lines, each read with a bound, and the current record's lines kept for the rejects file."""
        held = 0
        while line := self._text.readline(MAX_RECORD_CHARS + 1):
            self._line_no += 1
            held = len(line) + (held if self._lines else 0)  # the record's lines so far (emptied per record)
            if held > MAX_RECORD_CHARS:
                raise UnreadableFile(f"line {self._line_no - len(self._lines)}: a record longer than "
                                     f"{MAX_RECORD_CHARS:,} characters (the limit of one record)")
            self._lines.append(line)
            yield line

    def records(self) -> Iterator[RawRecord]:
        columns, width = self.columns, len(self.columns)
        header = [c.casefold() for c in columns]
        while True:
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a NUL byte; the line is named and the rest of the file still read
                row = exc
            lines, self._lines = self._lines, []
            number, error = self._line_no - len(lines) + 1, None
            if isinstance(row, csv.Error):
                error = f"unreadable CSV: {row}"
            elif not row or not (row[0].strip() or any(cell.strip() for cell in row)):
                continue  # a blank line is not a record
            elif len(row) > width and not any(cell.strip() for cell in row[width:]):
                row = row[:width]  # trailing separators
            if error is None and len(row) != width:
                error = f"{len(row)} fields where the header has {width}"
            # The first cell is compared first: the full comparison is only paid on a likely header.
            elif error is None and row[0].strip().lstrip("\ufeff").casefold() == header[0] and _is_header(row, header):
                error = "a repeated header row"
            yield RawRecord(number, {"__error__": error} if error else dict(zip(columns, row, strict=True)), lines)

    def close(self) -> None:
        self._text.close()


class XlsxReader(Reader):
    """The first worksheet of an .xlsx, streamed (openpyxl read-only) once _WorkbookLimits has read it."""

    def __init__(self, path: Path) -> None:
        self.path, self.size = path, os.path.getsize(path)
        try:
            with zipfile.ZipFile(path) as package:
                for name in [n for n in package.namelist() if n.lower().endswith("sharedstrings.xml")]:
                    with package.open(name) as source:
                        _WorkbookLimits(source, shared_strings=True)
            self._book = load_workbook(path, read_only=True, data_only=True)
            self._sheet = self._book.worksheets[0]
            # openpyxl's own name for the sheet's part in the package (read-only worksheets keep it)
            with self._book._archive.open(self._sheet._worksheet_path.lstrip("/")) as source:
                _WorkbookLimits(source, shared_strings=False)
        except UnreadableFile:
            raise
        except Exception as exc:  # zipfile.BadZipFile, KeyError for a broken package, ...
            raise UnreadableFile(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
        self._rows = self._sheet.iter_rows(values_only=True)
        self._row_no, self._rows_total = 0, self._sheet.max_row or 0
        self.columns = next((_names(row, trim=True) for row in self._counted()
                             if sum(1 for v in row if not is_missing(v)) >= 2), [])  # as for CSV: a title row

    def _counted(self) -> Iterator[tuple]:
        for row in self._rows:
            self._row_no += 1
            yield row

    def position(self) -> int:
        return int(self.size * min(1.0, self._row_no / self._rows_total)) if self._rows_total else 0

    def records(self) -> Iterator[RawRecord]:
        columns, width = self.columns, len(self.columns)
        header = [c.casefold() for c in columns]
        for values in map(list, self._counted()):
            if all(is_missing(v) for v in values):
                continue
            if any(not is_missing(v) for v in values[width:]):
                yield RawRecord(self._row_no, {"__error__": f"cells beyond the header's {width} columns"},
                                {f"column_{i + 1}": v for i, v in enumerate(values)})
                continue
            values = values[:width] + [None] * (width - len(values))
            fields = dict(zip(columns, values, strict=True))
            if _is_header(values, header):
                yield RawRecord(self._row_no, {"__error__": "a repeated header row"}, fields)
            else:
                yield RawRecord(self._row_no, fields, fields)

    def close(self) -> None:
        self._book.close()


class _WorkbookLimits:
    """Counts, in a stream through expat, what openpyxl would build whole: the shared-strings table (loaded before
    the first row: a 335 KB file can hold 8 million entries) and each worksheet row (3 million cells cost 2.9 GB)."""

    def __init__(self, source, shared_strings: bool) -> None:
        self.strings = self.chars = self.row = self.cells = 0
        parser = expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.CharacterDataHandler = self.text if shared_strings else None
        parser.ParseFile(source)

    def start(self, tag: str, attrs: dict) -> None:
        local = tag.rpartition(":")[2]
        self.strings += local == "si"
        if self.strings > MAX_SHARED_STRINGS:
            raise UnreadableFile(f"the workbook has more than {MAX_SHARED_STRINGS:,} shared strings (the limit)")
        if local == "row":
            self.row, self.cells = self.row + 1, 0
        elif local == "c":
            self.cells += 1
            try:
                column = column_index_from_string((attrs.get("r") or "").rstrip("0123456789") or "A")
            except ValueError:  # more than three letters: beyond XFD
                column = MAX_ROW_CELLS + 1
            if self.cells > MAX_ROW_CELLS or column > MAX_ROW_CELLS:
                raise UnreadableFile(f"row {self.row:,} of the worksheet has cells beyond column {MAX_ROW_CELLS:,} "
                                     "(the limit)")

    def text(self, data: str) -> None:
        self.chars += len(data)
        if self.chars > MAX_SHARED_CHARS:
            raise UnreadableFile(f"the workbook has more than {MAX_SHARED_CHARS:,} characters of shared strings "
                                 "(the limit)")


class _Object(dict):
    """A JSON object that remembers its duplicate keys. The last non-empty value wins: an export that repeats a
    key usually appends the newer value, and a trailing ``null`` must not erase a real one."""

    duplicates: tuple[str, ...] = ()

    def __setitem__(self, key: str, value: object) -> None:
        if key in self:
            self.duplicates += (key,)
            if is_missing(value) and not is_missing(self[key]):
                return
        super().__setitem__(key, value)


def _flatten(obj: dict, prefix: str = "", out: dict | None = None) -> dict:
    """Nested objects become dotted keys ("location.lat"); lists stay as JSON text."""
    out = {} if out is None else out
    for key, value in obj.items():
        if isinstance(value, dict):
            _flatten(value, f"{prefix}{key}.", out)
        else:
            out[f"{prefix}{key}"] = (json.dumps(value, ensure_ascii=False) if value else None) \
                if isinstance(value, list) else value
    return out


class _Utf8:
    """The text of a file as UTF-8 bytes for ijson: BOM dropped, stray cp1252 bytes read as cp1252."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.text = text

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode("utf-8")


class JsonReader(Reader):
    """Open311 JSON: a list of requests, a wrapper object holding one ({"requests": [...]}, also nested), or one
    request; ijson's basic_parse events (parse's path prefix grows with the depth: quadratic on nested brackets)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", errors="mimika_cp1252")
        self._count = 0

    def records(self) -> Iterator[RawRecord]:
        events = ijson.basic_parse(_Utf8(self._text), use_float=True)
        event = None
        try:
            event, _ = next(events, (None, None))
            if event not in ("start_array", "start_map"):
                raise UnreadableFile("not JSON: the file starts with neither [ nor {")
            yield from self._array(events) if event == "start_array" else self._object(events, 1)
        except ijson.JSONError as exc:
            if event is None:
                raise UnreadableFile("not JSON: the file starts with neither [ nor {") from None
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnreadableFile(f"broken JSON in record {self._count + 1}: {reason}") from None

    def _value(self, events, first: str, value: object) -> object:
        """One JSON value from its first event on, built without recursion (ijson's ObjectBuilder)."""
        if first not in ("start_map", "start_array"):
            return value
        builder = ObjectBuilder(_Object)
        for event, item in chain([(first, value)], events):
            builder.event(event, item)
            if len(builder.containers) > MAX_NESTING:
                raise UnreadableFile(f"record {self._count + 1} nests objects or lists deeper than {MAX_NESTING} "
                                     "levels (the limit)")
            if not builder.containers:
                return builder.value
        raise UnreadableFile(f"broken JSON in record {self._count + 1}: the file ends inside it")

    def _array(self, events) -> Iterator[RawRecord]:
        for event, value in events:
            if event == "end_array":
                return
            value = self._value(events, event, value)
            self._count += 1
            if isinstance(value, dict):
                notes = tuple(f"duplicate key {k!r}: the last non-empty value was kept" for k in value.duplicates)
                yield RawRecord(self._count, _flatten(value), value, notes)
            else:
                yield RawRecord(self._count, {"__error__": "not an object"}, json.dumps(value, ensure_ascii=False))

    def _object(self, events, depth: int) -> Iterator[RawRecord]:
        """A wrapper: stream the array under a wrapper key; an object without one is a single record."""
        if depth > MAX_NESTING:
            raise UnreadableFile(f"wrapper objects nested deeper than {MAX_NESTING} levels (the limit)")
        single, streamed = _Object(), False
        for event, key in events:
            if event == "end_map":
                break
            event, value = next(events)
            if key.casefold() in WRAPPERS and event in ("start_map", "start_array") and not streamed:
                streamed = True
                yield from (self._array(events) if event == "start_array" else self._object(events, depth + 1))
            else:
                single[key] = self._value(events, event, value)
        if not streamed and single:
            self._count += 1
            yield RawRecord(self._count, _flatten(single), single)

    def close(self) -> None:
        self._text.close()


_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


class XmlReader(Reader):
    """Open311 XML, any namespace: each child of the root is a record (a grandchild under a wrapper such as
    ``<response><service_requests>``), its attributes and child elements the fields (nested: dotted names)."""

    def records(self) -> Iterator[RawRecord]:
        stack: list = []
        record_depth, count = None, 0
        try:
            for event, elem in ET.iterparse(self._binary, events=("start", "end")):
                if event == "start":
                    stack.append(elem)
                    if len(stack) > MAX_NESTING:
                        raise UnreadableFile(f"record {count + 1} nests elements deeper than {MAX_NESTING} levels "
                                             "(the limit)")
                    if record_depth is None and len(stack) == 2:
                        record_depth = 3 if elem.tag.rsplit("}", 1)[-1].casefold() in XML_WRAPPERS else 2
                    continue
                depth = len(stack)
                stack.pop()
                if depth != record_depth:
                    continue
                count += 1
                fields = {name.rsplit("}", 1)[-1]: value for name, value in elem.attrib.items() if name != _XSI_NIL}
                duplicates: list[str] = []
                _xml_fields(elem, "", fields, duplicates)
                raw = ET.tostring(elem, encoding="unicode").strip()
                if stack:
                    stack[-1].remove(elem)  # constant memory: the parsed record leaves the tree
                elem.clear()
                yield RawRecord(count, fields, raw, tuple(f"duplicate element {k!r}: the last non-empty value was "
                                                          "kept" for k in duplicates))
        except ET.ParseError as exc:
            raise UnreadableFile(f"broken XML after record {count}: {exc}") from None


def _xml_fields(elem, prefix: str, out: dict, duplicates: list[str]) -> None:
    for child in elem:
        name = prefix + child.tag.rsplit("}", 1)[-1]  # without its namespace
        if len(child):
            _xml_fields(child, f"{name}.", out, duplicates)
            continue
        nil = child.get(_XSI_NIL, "").strip().lower() in ("true", "1")
        value = None if nil else (child.text or "").strip() or None
        if name in out:
            duplicates.append(name)
            if value is None and out[name] is not None:
                continue
        out[name] = value
