"""Readers: one record at a time from CSV, XLSX, Open311 JSON and Open311 XML files, never the whole file.

Each reader yields :class:`RawRecord` (its line, row or record number, its fields by column name, and the
original text for the rejects file). Memory stays flat however long the file: CSV and XML are read
incrementally, XLSX through openpyxl's read-only mode, and JSON as a stream of parser events (ijson).

And however hostile the file: each reader stops at the limits below with :class:`UnreadableFile` naming the limit
(the CLI's one ``error:`` line and exit 2) before the shape could cost memory or a RecursionError. Each limit is
far beyond what an export of complaints has, and low enough that what a reader holds for one record stays a few
megabytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from data_access.intake.importing.cell_values import clean_key, is_missing

FORMATS = ("auto", "open311-json", "open311-xml", "csv", "xlsx")
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "open311-json",
               ".xml": "open311-xml"}
DELIMITERS = (",", ";", "\t", "|")
# Keys of a wrapper object whose value is the list of records ({"requests": [...]}, {"service_requests": ...}).
WRAPPER_KEYS = frozenset({"requests", "service_requests", "servicerequests", "data", "records", "items", "results",
                          "reports", "laporan", "rows", "features"})
# Our report has about fifteen fields; LAPOR!'s widest export about forty, a city's Open311 dump about thirty.
MAX_COLUMNS = 500
# One value: the store keeps at most 5,000 characters of a description (schema.DESCRIPTION_MAX) and cuts the rest
# with a warning; a megabyte is two hundred times that. A longer CSV value rejects its record.
MAX_FIELD_CHARS = 1 << 20
# One record's text (a CSV record over its lines, a JSON element): a few fields at their limit. A longer one stops
# the file: beyond it the reader would have to hold it whole to find where it ends.
MAX_RECORD_CHARS = 4 << 20
# Objects and lists inside one another: an Open311 request nests two levels (attributes, location); JSON's decoder
# and the XML reader's walk would otherwise recurse once per level.
MAX_NESTING = 64
# An .xlsx keeps each distinct text once, in a shared-strings table that openpyxl loads whole before the first row:
# 300,000 reports with a few distinct texts each are about a million entries of a few hundred characters.
MAX_SHARED_STRINGS = 2_000_000
MAX_SHARED_CHARS = 200_000_000
# Cells in one worksheet row, counting styled empty ones, and the column they may stand in: Excel's own last
# column (XFD); openpyxl builds a row's cells whole before handing it over.
MAX_ROW_CELLS = 16_384
csv.field_size_limit(MAX_FIELD_CHARS)


class UnreadableFile(ValueError):
    """The file as a whole cannot be read in the chosen format; the message names the place."""


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # A stray cp1252 byte in an otherwise UTF-8 export (a Windows tool appended a line): read that byte as
    # cp1252 instead of failing the file or inventing U+FFFD.
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("mimika_cp1252", _cp1252_fallback)


class RawRecord:
    """One record as the file has it. ``number`` is the line (CSV), the row (XLSX) or the record's position
    (JSON, XML); ``notes`` are reader warnings such as a duplicate key."""

    __slots__ = ("number", "fields", "_raw", "notes")

    def __init__(self, number: int, fields: dict, raw: object, notes: tuple[str, ...] = ()) -> None:
        self.number, self.fields, self._raw, self.notes = number, fields, raw, notes

    def raw_text(self) -> str:
        raw = self._raw
        if isinstance(raw, str):
            return raw
        if isinstance(raw, list):
            return "".join(raw).rstrip("\r\n")
        return json.dumps(raw, ensure_ascii=False, default=str)


def detect_format(path: Path, requested: str = "auto") -> str:
    """The reader for ``path``: as requested, else from the extension, else from the first bytes."""
    if requested != "auto":
        return requested
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnreadableFile("old binary Excel (.xls) is not supported: save it as .xlsx or .csv")
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "csv"
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text[:1] in (b"[", b"{"):
        return "open311-json"
    if text[:1] == b"<":
        return "open311-xml"
    return "csv"


def open_reader(path: Path, fmt: str) -> Reader:
    readers = {"csv": CsvReader, "xlsx": XlsxReader, "open311-json": JsonReader, "open311-xml": XmlReader}
    return readers[fmt](path)


class Reader:
    """Base: ``columns`` (the header, or None for JSON/XML), ``records()``, ``position()`` for progress."""

    columns: list[str] | None = None

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = os.path.getsize(path)
        self._binary: BinaryIO | None = None

    def position(self) -> int:
        try:
            return self._binary.tell() if self._binary is not None else 0
        except (ValueError, OSError):
            return self.size

    def records(self) -> Iterator[RawRecord]:
        raise NotImplementedError

    def close(self) -> None:
        if self._binary is not None:
            self._binary.close()


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _check_width(width: int) -> None:
    if width > MAX_COLUMNS:
        raise UnreadableFile(f"the header has {width:,} columns (the limit is {MAX_COLUMNS})")


def _header_name(value: object) -> str:
    return (clean_key(value) or "").lstrip("\ufeff").strip()


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample's first lines (csv.Sniffer among , ; tab |); a comma when it cannot tell."""
    try:
        return csv.Sniffer().sniff("\n".join(sample.splitlines()[:20]), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


class CsvReader(Reader):
    """CSV with a header row; delimiter sniffed (``,`` ``;`` tab ``|``), BOM and CRLF handled, quoted newlines
    kept. UTF-8, with stray cp1252 bytes read as cp1252."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._binary = open(path, "rb")  # noqa: SIM115 - closed by close()
        head = self._binary.read(65536)
        self._binary.seek(0)
        # Excel's "Unicode text" export is UTF-16 with a BOM; everything else is taken as UTF-8 (cp1252 bytes
        # in it read as cp1252).
        encoding, errors = ("utf-16", "replace") if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) \
            else ("utf-8-sig", "mimika_cp1252")
        sample = head[:65534].decode(encoding, errors="replace" if encoding == "utf-16" else errors)
        first_line = sample.split("\n", 1)[0].strip()
        if first_line.lower().startswith("sep=") and len(first_line) == 5:
            self.delimiter = first_line[4]  # Excel's own hint line, "sep=;"
        else:
            self.delimiter = sniff_delimiter(sample)
        self._text = io.TextIOWrapper(self._binary, encoding=encoding, errors=errors, newline="")
        self._lines: list[str] = []
        self._line_no = 0
        self._reader = csv.reader(self._capture(), delimiter=self.delimiter)
        self.header_line = 0
        self.columns = None
        for row in self._reader:
            # The header is the first row with two or more names: a title line above it ("Laporan … 2026") is not.
            if sum(1 for cell in row if cell.strip()) >= 2:
                self.columns = _unique([_header_name(c) for c in row])
                self.header_line = self._line_no - len(self._lines) + 1
                self._lines = []
                break
            self._lines = []
        if self.columns is None:
            self.columns = []
        _check_width(len(self.columns))

    def _capture(self) -> Iterator[str]:
        """The file's lines, each read with a bound, and the current record's lines kept for the rejects file."""
        held = 0
        while True:
            line = self._text.readline(MAX_RECORD_CHARS + 1)
            if not line:
                return
            self._line_no += 1
            held = len(line) + (held if self._lines else 0)  # the record's lines so far (emptied per record)
            if held > MAX_RECORD_CHARS:
                raise UnreadableFile(f"line {self._line_no - len(self._lines)}: a record longer than "
                                     f"{MAX_RECORD_CHARS:,} characters (the limit of one record)")
            self._lines.append(line)
            yield line

    def records(self) -> Iterator[RawRecord]:
        columns = self.columns
        width = len(columns)
        header = [c.casefold() for c in columns]
        first = header[0] if header else ""
        reader = self._reader
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a NUL byte; the line is named and the rest of the file still read
                lines, self._lines = self._lines, []
                yield RawRecord(self._line_no - len(lines) + 1, {"__error__": f"unreadable CSV: {exc}"}, lines)
                continue
            lines, self._lines = self._lines, []
            number = self._line_no - len(lines) + 1
            if not row or not (row[0].strip() or any(cell.strip() for cell in row)):
                continue  # a blank line is not a record
            if len(row) != width:
                if len(row) > width and not any(cell.strip() for cell in row[width:]):
                    row = row[:width]  # trailing separators
                else:
                    yield RawRecord(number, {"__error__": f"{len(row)} fields where the header has {width}"},
                                    lines)
                    continue
            # The first cell is compared first: the full comparison is only paid on a likely header.
            if row[0].strip().lstrip("\ufeff").casefold() == first and \
                    [_header_name(c).casefold() for c in row] == header:
                yield RawRecord(number, {"__error__": "a repeated header row"}, lines)
                continue
            yield RawRecord(number, dict(zip(columns, row, strict=True)), lines)

    def close(self) -> None:
        self._text.close()


class XlsxReader(Reader):
    """The first worksheet of an .xlsx, streamed (openpyxl read-only); the first non-empty row is the header."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        from openpyxl import load_workbook

        try:
            _check_shared_strings(path)
            self._book = load_workbook(path, read_only=True, data_only=True)
            self._sheet = self._book.worksheets[0]
            # openpyxl's own name for the sheet's part in the package (read-only worksheets keep it).
            _check_rows(self._book._archive, self._sheet._worksheet_path)
        except UnreadableFile:
            raise
        except Exception as exc:  # zipfile.BadZipFile, KeyError for a broken package, ...
            raise UnreadableFile(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
        self._rows = self._sheet.iter_rows(values_only=True)
        self._row_no = 0
        self.rows_total = self._sheet.max_row or 0
        self.columns = []
        for row in self._rows:
            self._row_no += 1
            if sum(1 for v in row if not is_missing(v)) >= 2:  # as for CSV: a title row above is no header
                names = [_header_name(v) for v in row]
                while names and not names[-1]:
                    names.pop()  # a sheet's used range often runs past the last named column
                _check_width(len(names))
                self.columns = _unique(names)
                break

    def position(self) -> int:
        if not self.rows_total:
            return 0
        return int(self.size * min(1.0, self._row_no / self.rows_total))

    def records(self) -> Iterator[RawRecord]:
        columns = self.columns
        width = len(columns)
        header = [c.casefold() for c in columns]
        for row in self._rows:
            self._row_no += 1
            values = list(row)
            if not any(not is_missing(v) for v in values):
                continue
            if len(values) > width:
                if any(not is_missing(v) for v in values[width:]):
                    yield RawRecord(self._row_no, {"__error__": f"cells beyond the header's {width} columns"},
                                    {f"column_{i + 1}": v for i, v in enumerate(values)})
                    continue
                values = values[:width]
            values += [None] * (width - len(values))
            fields = dict(zip(columns, values, strict=True))
            if [_header_name(v).casefold() for v in values] == header:
                yield RawRecord(self._row_no, {"__error__": "a repeated header row"}, fields)
                continue
            yield RawRecord(self._row_no, fields, fields)

    def close(self) -> None:
        self._book.close()


def _expat(source, start, text=None) -> None:
    """Stream ``source`` (a binary file) through expat with these handlers (an UnreadableFile they raise stops
    it)."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    if text is not None:
        parser.CharacterDataHandler = text
    parser.ParseFile(source)


def _check_shared_strings(path: Path) -> None:
    """The workbook's shared-strings table within MAX_SHARED_STRINGS entries and MAX_SHARED_CHARS characters,
    counted in a stream before openpyxl loads it whole (a 335 KB file can hold 8 million entries)."""
    import zipfile

    with zipfile.ZipFile(path) as package:
        for name in [n for n in package.namelist() if n.lower().endswith("sharedstrings.xml")]:
            counts = [0, 0]

            def start(tag: str, _attrs, counts=counts) -> None:
                counts[0] += tag.rpartition(":")[2] == "si"
                if counts[0] > MAX_SHARED_STRINGS:
                    raise UnreadableFile(f"the workbook has more than {MAX_SHARED_STRINGS:,} shared strings "
                                         "(the limit)")

            def text(data: str, counts=counts) -> None:
                counts[1] += len(data)
                if counts[1] > MAX_SHARED_CHARS:
                    raise UnreadableFile(f"the workbook has more than {MAX_SHARED_CHARS:,} characters of shared "
                                         "strings (the limit)")

            with package.open(name) as source:
                _expat(source, start, text)


def _check_rows(package, part: str) -> None:
    """No row of the worksheet with more than MAX_ROW_CELLS cells or a cell beyond that column, read in a stream
    before openpyxl builds any row whole (a 3-million-cell row cost it 2.9 GB)."""
    from openpyxl.utils import column_index_from_string

    state = {"cells": 0, "row": 0}

    def start(tag: str, attrs: dict) -> None:
        local = tag.rpartition(":")[2]
        if local == "row":
            state["row"] += 1
            state["cells"] = 0
        elif local == "c":
            state["cells"] += 1
            try:
                column = column_index_from_string((attrs.get("r") or "").rstrip("0123456789") or "A")
            except ValueError:  # more than three letters: beyond XFD
                column = MAX_ROW_CELLS + 1
            if state["cells"] > MAX_ROW_CELLS or column > MAX_ROW_CELLS:
                raise UnreadableFile(f"row {state['row']:,} of the worksheet has cells beyond "
                                     f"column {MAX_ROW_CELLS:,} (the limit)")

    with package.open(part.lstrip("/")) as source:
        _expat(source, start)


class _Object(dict):
    """A JSON object that remembers its duplicate keys. The last non-empty value wins: an export that repeats a
    key usually appends the newer value, and a trailing ``null`` must not erase a real one."""

    duplicates: tuple[str, ...] = ()

    def put(self, key: str, value: object) -> None:
        if key in self:
            self.duplicates += (key,)
            if is_missing(value) and not is_missing(self[key]):
                return
        self[key] = value


def _flatten(obj: dict, prefix: str = "", out: dict | None = None) -> dict:
    """Nested objects become dotted keys ("location.lat"); lists stay as JSON text."""
    out = {} if out is None else out
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", out)
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False) if value else None
        else:
            out[name] = value
    return out


_STARTS = {"start_map": _Object, "start_array": list}


class _Utf8:
    """The text of a file as UTF-8 bytes for ijson: BOM dropped, stray cp1252 bytes read as cp1252."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.text = text

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode("utf-8")


class JsonReader(Reader):
    """Open311 JSON: a list of requests, or a wrapper object holding one ({"requests": [...]}, {"service_requests":
    [...]}, also nested a level deeper), or a single request object. Parsed as a stream of events (ijson), each
    element built without recursion and no deeper than MAX_NESTING."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._binary = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", errors="mimika_cp1252")
        self._count = 0

    def records(self) -> Iterator[RawRecord]:
        import ijson

        # basic_parse: parse's path prefix grows with the depth, quadratic on a hostile file of nested brackets
        events = ijson.basic_parse(_Utf8(self._text), use_float=True)
        try:
            event, _ = next(events, (None, None))
            if event == "start_array":
                yield from self._array(events)
            elif event == "start_map":
                yield from self._object(events, 1)
            else:
                raise UnreadableFile("not JSON: the file starts with neither [ nor {")
        except ijson.JSONError as exc:
            if self._count == 0 and event is None:
                raise UnreadableFile("not JSON: the file starts with neither [ nor {") from None
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnreadableFile(f"broken JSON in record {self._count + 1}: {reason}") from None

    def _deeper(self) -> UnreadableFile:
        return UnreadableFile(f"record {self._count + 1} nests objects or lists deeper than {MAX_NESTING} levels "
                              "(the limit)")

    def _value(self, events, event: str, value: object) -> object:
        """One JSON value from its first event on."""
        if event not in _STARTS:
            return value
        stack: list[tuple[object, object]] = [(_STARTS[event](), None)]  # (container, its key in its parent)
        key = None
        for event, value in events:
            if event == "map_key":
                key = value
                continue
            if event in _STARTS:
                if len(stack) >= MAX_NESTING:
                    raise self._deeper()
                stack.append((_STARTS[event](), key))
                continue
            if event in ("end_map", "end_array"):
                value, key = stack.pop()
                if not stack:
                    return value
            parent = stack[-1][0]
            if isinstance(parent, list):
                parent.append(value)
            else:
                parent.put(key, value)
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
            if key.casefold() in WRAPPER_KEYS and event in _STARTS and not streamed:
                streamed = True
                yield from (self._array(events) if event == "start_array" else self._object(events, depth + 1))
            else:
                single.put(key, self._value(events, event, value))
        if not streamed and single:
            self._count += 1
            yield RawRecord(self._count, _flatten(single), single)

    def close(self) -> None:
        self._text.close()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
XML_WRAPPERS = frozenset({"service_requests", "requests", "data", "records", "items", "results", "reports"})


class XmlReader(Reader):
    """Open311 XML (``<service_requests><request>…</request></service_requests>``), any namespace, streamed.

    Each child of the root is a record (a grandchild when the root wraps a wrapper, e.g. ``<response>
    <service_requests>``); its child elements are the fields, nested ones as dotted names; ``xsi:nil="true"``
    and empty elements are missing; attributes of the record are fields too.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._binary = open(path, "rb")  # noqa: SIM115 - closed by close()

    def records(self) -> Iterator[RawRecord]:
        import xml.etree.ElementTree as ET

        stack: list = []
        record_depth = None
        count = 0
        try:
            for event, elem in ET.iterparse(self._binary, events=("start", "end")):
                if event == "start":
                    stack.append(elem)
                    if len(stack) > MAX_NESTING:
                        raise UnreadableFile(f"record {count + 1} nests elements deeper than {MAX_NESTING} levels "
                                             "(the limit)")
                    if record_depth is None and len(stack) == 2:
                        record_depth = 3 if _local(elem.tag).casefold() in XML_WRAPPERS else 2
                    continue
                depth = len(stack)
                stack.pop()
                if depth != record_depth:
                    continue
                count += 1
                fields: dict[str, object] = {}
                duplicates: list[str] = []
                for name, value in elem.attrib.items():
                    if name != _XSI_NIL:
                        fields[_local(name)] = value
                self._fields(elem, "", fields, duplicates)
                raw = ET.tostring(elem, encoding="unicode").strip()
                notes = tuple(f"duplicate element {k!r}: the last non-empty value was kept" for k in duplicates)
                if stack:
                    stack[-1].remove(elem)  # constant memory: the parsed record leaves the tree
                elem.clear()
                yield RawRecord(count, fields, raw, notes)
        except ET.ParseError as exc:
            raise UnreadableFile(f"broken XML after record {count}: {exc}") from None

    def _fields(self, elem, prefix: str, out: dict, duplicates: list[str]) -> None:
        for child in elem:
            name = prefix + _local(child.tag)
            if len(child):
                self._fields(child, f"{name}.", out, duplicates)
                continue
            nil = child.get(_XSI_NIL, "").strip().lower() in ("true", "1")
            value = None if nil else (child.text or "").strip() or None
            if name in out:
                duplicates.append(name)
                if value is None and out[name] is not None:
                    continue
            out[name] = value
