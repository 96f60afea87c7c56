"""The importer's pure parts: missing values, mojibake, numbers and points, dates per column, the readers on
messy bytes, mapping files and presets, and the fast due times against data_access.rulebook.sla.due_at."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from data_access.intake.importing import readers
from data_access.intake.importing.cell_values import (
    DAY_FIRST,
    MONTH_FIRST,
    BadValue,
    DateColumn,
    clean_key,
    clean_text,
    is_missing,
    parse_number,
    parse_point,
    repair_mojibake,
    share_decisions,
    time_zone,
    usable_location,
)
from data_access.intake.importing.readers import CsvReader, JsonReader, XmlReader, detect_format, sniff_delimiter
from data_access.intake.importing.translate import MappingError, guess_mapping, load_mapping, parse_mapping, presets
from data_access.rulebook.sla import WIT, SlaPolicy, Target, WorkCalendar, due_at, target_seconds
from data_access.store.reference import SLA_POLICIES

# --- values ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "  ", "null", "NULL", "N/A", "n/a", "None", "-", "NaN", float("nan")])
def test_missing_spellings(value):
    """Empty, "null", "N/A" and friends are missing, whatever their case."""
    assert is_missing(value)


@pytest.mark.parametrize("value", ["0", "nullah", "Nanas", 0, "A"])
def test_values_that_are_not_missing(value):
    assert not is_missing(value)


@pytest.mark.parametrize("broken, fixed", [
    ("CafÃ©", "Café"), ("Ã©tÃ©", "été"), ("Jalan â€“ Timika", "Jalan – Timika"), ("donâ€™t", "don’t"),
    ("SchÃ¶n und Ã¼ber", "Schön und über"), ("CafÃƒÂ©", "Café"),  # twice broken
    ("Café", "Café"), ("Jalan Yos Sudarso – Timika", "Jalan Yos Sudarso – Timika"), ("naïve Ã©", "naïve é"),
])
def test_mojibake_is_repaired_and_good_text_left_alone(broken, fixed):
    """UTF-8 read as cp1252/latin-1 is undone (also twice over, also inside good text); real accents stay."""
    assert repair_mojibake(broken) == fixed


def test_clean_text_and_keys():
    """Text keeps paragraphs but not \\r or runs of spaces; keys are one line; 12345.0 from a cell is "12345"."""
    assert clean_text("  a\r\n  b\t\tc ") == "a\n b c"
    assert clean_key(" Closed\n ") == "Closed" and clean_key(12345.0) == "12345" and clean_key("N/A") is None


@pytest.mark.parametrize("raw, number", [("-4,5467", -4.5467), ("136.8883", 136.8883), (" 12 ", 12.0),
                                         (7, 7.0), ("", None), ("null", None), ("\u22124.5", -4.5)])
def test_numbers(raw, number):
    assert parse_number(raw) == number


@pytest.mark.parametrize("raw", ["abc", "1,2,3", "inf", True])
def test_not_numbers(raw):
    with pytest.raises(BadValue):
        parse_number(raw)


def test_points_and_usable_locations():
    """ "(-4.5, 136.9)" is a point; 0,0 and missing are no location; swapped pairs are put back with a warning;
    impossible ones land without a location, with a warning."""
    assert parse_point("(-4.5467, 136.8883)") == (-4.5467, 136.8883)
    assert parse_point("-4.5 136.9") == (-4.5, 136.9) and parse_point("N/A") == (None, None)
    assert usable_location(0.0, 0.0) == (None, None, None)
    assert usable_location(None, 136.9) == (None, None, None)
    lat, lon, warning = usable_location(136.9, -4.5)
    assert (lat, lon) == (-4.5, 136.9) and "swapped" in warning
    assert usable_location(95.0, 200.0)[:2] == (None, None)


# --- dates -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, want", [
    ("2026-11-20T08:15:00Z", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
    ("2026-11-20T08:15:00+07:00", datetime(2026, 11, 20, 1, 15, tzinfo=UTC)),
    ("2026-11-20 08:15:00", datetime(2026, 11, 19, 23, 15, tzinfo=UTC)),  # no zone: WIT
    ("2026-11-20 08:15:00.1", datetime(2026, 11, 19, 23, 15, 0, 100000, tzinfo=UTC)),
    ("2026-11-20 08:15:00.123456789", datetime(2026, 11, 19, 23, 15, 0, 123456, tzinfo=UTC)),
    ("2026-11-20T08", datetime(2026, 11, 19, 23, 0, tzinfo=UTC)),  # truncated time
    ("2026-11-20", datetime(2026, 11, 19, 15, 0, tzinfo=UTC)),
    ("2026/11/20 08:15", datetime(2026, 11, 19, 23, 15, tzinfo=UTC)),
    ("2026-11-20 08:15:00 PM", datetime(2026, 11, 20, 11, 15, tzinfo=UTC)),
    ("2026-11-20 08:15 WIB", datetime(2026, 11, 20, 1, 15, tzinfo=UTC)),
    ("20 November 2026 08.15", datetime(2026, 11, 19, 23, 15, tzinfo=UTC)),
    ("1 Desember 2026", datetime(2026, 11, 30, 15, 0, tzinfo=UTC)),
    ("Nov 3, 2026 10:00 AM", datetime(2026, 11, 3, 1, 0, tzinfo=UTC)),
    ("1763600000", datetime.fromtimestamp(1763600000, UTC)),
    (datetime(2026, 11, 20, 8, 15), datetime(2026, 11, 19, 23, 15, tzinfo=UTC)),  # a spreadsheet cell
    (date(2026, 11, 20), datetime(2026, 11, 19, 15, 0, tzinfo=UTC)),
    ("null", None),
])
def test_date_shapes(raw, want):
    """ISO with and without zone, any fraction digits, truncated times, AM/PM, zone names, month names in
    English and Indonesian, epoch seconds and spreadsheet cells; a naive time is WIT."""
    assert DateColumn("created_at", WIT).parse(raw) == want


def test_day_month_order_is_decided_by_the_column():
    """One value past 12 decides a column; the decision then reads 03/04 the same way; two-digit years."""
    us, id_ = DateColumn("a", WIT), DateColumn("b", WIT)
    for raw in ("11/23/2026 09:15:00 AM", "03/04/2026 10:00:00 PM"):
        us.observe(raw)
    for raw in ("23/11/2026 09:15", "03/04/2026 10:00"):
        id_.observe(raw)
    assert (us.order, id_.order) == (MONTH_FIRST, DAY_FIRST)
    assert us.parse("03/04/2026 10:00:00 PM") == datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    assert id_.parse("03/04/2026 10:00") == datetime(2026, 4, 3, 1, 0, tzinfo=UTC)
    assert us.parse("11/13/26 14:05") == datetime(2026, 11, 13, 5, 5, tzinfo=UTC)
    assert us.parse("12/31/99 23:59").year == 1999  # then refused as before 2000 by the translator


def test_undecided_columns_borrow_then_refuse():
    """A column no value decides borrows its neighbour's order, then the mapping's hint; else an ambiguous
    value is refused with a reason, and an unambiguous one (04/04) is still read."""
    created, closed = DateColumn("created_at", WIT), DateColumn("closed_at", WIT)
    created.observe("25/12/2026 10:00")
    closed.observe("03/04/2026 10:00")
    share_decisions([created, closed], None)
    assert closed.parse("03/04/2026 10:00").month == 4
    alone = DateColumn("created_at", WIT)
    share_decisions([alone], None)
    with pytest.raises(BadValue, match="ambiguous"):
        alone.parse("03/04/2026")
    assert alone.parse("04/04/2026").month == 4
    hinted = DateColumn("created_at", WIT)
    share_decisions([hinted], "MDY")
    assert hinted.parse("03/04/2026").month == 3


@pytest.mark.parametrize("raw", ["yesterday", "2026-13-01", "31/31/2026", "13:00 PM 2026", "02/30/2026"])
def test_not_dates(raw):
    column = DateColumn("created_at", WIT)
    column.fallback = MONTH_FIRST
    with pytest.raises(BadValue):
        column.parse(raw)


def test_time_zone_names():
    """IANA names and WIT/WITA/WIB; anything else is refused."""
    assert time_zone("WIT").key == "Asia/Jayapura" and time_zone("wita").key == "Asia/Makassar"
    assert time_zone("UTC").key == "UTC"
    with pytest.raises(ValueError, match="not a time zone"):
        time_zone("Mars/Olympus")


# --- readers -----------------------------------------------------------------------------------------------

def test_sniffed_delimiters():
    assert sniff_delimiter("a;b;c\n1;2;3\n") == ";"
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff_delimiter('a,b,c\n"1;2",2,3\n') == ","


def test_csv_reader_on_messy_bytes(tmp_path):
    """BOM, CRLF, quoted newlines, a stray cp1252 byte, blank lines, trailing separators, a short row and a
    repeated header: records numbered by the line they start on, junk flagged with a reason."""
    raw = (b"\xef\xbb\xbftitle;created_at;note\r\n"
           b"\"Two\r\nlines\";2026-11-01;x\r\n"
           b"\r\n"
           b"Caf\xe9;2026-11-02;y;;\r\n"
           b"short\r\n"
           b"title;created_at;note\r\n")
    path = tmp_path / "m.csv"
    path.write_bytes(raw)
    reader = CsvReader(path)
    assert reader.columns == ["title", "created_at", "note"] and reader.delimiter == ";"
    records = list(reader.records())
    reader.close()
    assert [r.number for r in records] == [2, 5, 6, 7]
    assert records[0].fields["title"] == "Two\r\nlines" and records[0].raw_text() == '"Two\r\nlines";2026-11-01;x'
    assert records[1].fields == {"title": "Café", "created_at": "2026-11-02", "note": "y"}
    assert "1 fields where the header has 3" in records[2].fields["__error__"]
    assert records[3].fields["__error__"] == "a repeated header row"


def test_utf16_text_from_excel(tmp_path):
    """Excel's "Unicode text" (UTF-16 with a BOM, tab-separated) reads like any CSV."""
    path = tmp_path / "u.txt"
    path.write_bytes("title\tcreated_at\r\nKampung Wa\u00e9\t2026-11-01\r\n".encode("utf-16"))
    assert detect_format(path) == "csv"
    reader = CsvReader(path)
    assert reader.delimiter == "\t" and [r.fields for r in reader.records()] == [
        {"title": "Kampung Wa\u00e9", "created_at": "2026-11-01"}]
    reader.close()


def test_excel_sep_hint_line(tmp_path):
    """Excel's "sep=;" first line names the delimiter and is not the header."""
    path = tmp_path / "x.csv"
    path.write_text("sep=;\na;b\n1;2\n", encoding="utf-8")
    reader = CsvReader(path)
    assert reader.delimiter == ";" and reader.columns == ["a", "b"]
    assert [r.fields for r in reader.records()] == [{"a": "1", "b": "2"}]
    reader.close()


def test_json_reader_streams_wrappers(tmp_path):
    """A wrapper object (also nested), duplicate keys (the last non-empty value, with a note), nested objects as
    dotted names, lists as JSON text, an element that is no object."""
    body = ('{"meta": {"n": [1, 2]}, "data": {"requests": [{"id": 1, "v": 12345.5, "s": "a", "s": null},'
            ' {"id": 2, "loc": {"lat": -4.5, "lon": 136.9}, "tags": ["x"]}, 3]}}')
    path = tmp_path / "w.json"
    path.write_text(body, encoding="utf-8")
    records = list(JsonReader(path).records())
    assert [r.fields.get("id") for r in records] == [1, 2, None]
    assert records[0].fields == {"id": 1, "v": 12345.5, "s": "a"} and records[0].notes
    assert records[1].fields["loc.lat"] == -4.5 and records[1].fields["tags"] == '["x"]'
    assert records[2].fields["__error__"] == "not an object"
    plain = tmp_path / "p.json"
    plain.write_text("[]", encoding="utf-8")
    assert list(JsonReader(plain).records()) == []


def test_broken_json_is_named(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('[{"a": 1}, {"a": ]', encoding="utf-8")
    with pytest.raises(readers.UnreadableFile, match="record 2"):
        list(JsonReader(path).records())


def test_xml_reader_namespaces_nil_and_nesting(tmp_path):
    path = tmp_path / "r.xml"
    path.write_text('<?xml version="1.0"?><response xmlns="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
                    'instance"><service_requests><request id="7"><a>1</a><b xsi:nil="true"/><c/>'
                    '<d><e>2</e></d></request></service_requests></response>', encoding="utf-8")
    (record,) = list(XmlReader(path).records())
    assert record.fields == {"id": "7", "a": "1", "b": None, "c": None, "d.e": "2"}


def test_format_detection(tmp_path):
    """From the extension, else from the first bytes; .xls is refused with advice."""
    odd = tmp_path / "export.dat"
    odd.write_text('  {"requests": []}', encoding="utf-8")
    assert detect_format(odd) == "open311-json"
    odd.write_text("<service_requests/>", encoding="utf-8")
    assert detect_format(odd) == "open311-xml"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    assert detect_format(odd) == "csv" and detect_format(Path("x.XLSX")) == "xlsx"
    with pytest.raises(readers.UnreadableFile, match=r"\.xlsx or \.csv"):
        detect_format(Path("old.xls"))


# --- mapping -----------------------------------------------------------------------------------------------

def test_presets_load_and_are_guessed_from_headers():
    """Both presets parse; a LAPOR header picks preset:lapor, an Open311 one preset:open311, JSON open311."""
    assert {"lapor", "open311"} <= set(presets())
    for name in presets():
        assert load_mapping(f"preset:{name}").columns["created_at"]
    assert guess_mapping(["Tracking ID", "Tanggal Laporan", "Status"], "xlsx").name == "preset:lapor"
    assert guess_mapping(["service_request_id", "requested_datetime"], "csv").name == "preset:open311"
    assert guess_mapping(None, "open311-json").name == "preset:open311"
    assert guess_mapping(["external_id", "created_at"], "csv").name.startswith("(")


@pytest.mark.parametrize("data, fragment", [
    ({"colums": {}}, "unknown section"),
    ({"columns": {"titel": "x"}}, "not one of our fields"),
    ({"columns": {"title": 3}}, "column name"),
    ({"status": {"Closed": "done"}}, "is not a status"),
    ({"channel": {"x": "fax"}}, "is not a channel"),
    ({"defaults": {"status": "done"}}, "is not a status"),
    ({"dates": {"order": "YMD"}}, "DMY"),
])
def test_bad_mappings_are_refused_with_the_reason(data, fragment):
    with pytest.raises(MappingError, match=fragment):
        parse_mapping(data, "m.toml")


def test_mapping_shape_of_the_issue():
    """The documented shape: title from several columns, their status and category names folded."""
    mapping = parse_mapping({"columns": {"external_id": "Unique Key", "title": ["Complaint Type", "Descriptor"]},
                             "status": {"Closed": "selesai"}, "category": {"Street Light Condition": "penerangan"},
                             "defaults": {"category": "lainnya"}}, "m")
    assert mapping.columns["title"] == ("Complaint Type", "Descriptor")
    assert mapping.status == {"closed": "selesai"} and mapping.category == {"street light condition": "penerangan"}


# --- due times ---------------------------------------------------------------------------------------------

def _walked(cal: WorkCalendar, start: datetime, seconds: float) -> datetime:
    """add_working_seconds as the plain walk over the calendar, one day at a time."""
    remaining, cursor = timedelta(seconds=seconds), start.astimezone(cal.tz)
    if not remaining:
        return start.astimezone(UTC)
    day, first = cursor.date(), True
    while True:
        if cal.is_working_day(day):
            opening = datetime.combine(day, cal.office_start, cal.tz)
            closing = datetime.combine(day, cal.office_end, cal.tz)
            begin = cursor if first and cursor > opening else opening
            if begin < closing:
                if remaining <= closing - begin:
                    return (begin + remaining).astimezone(UTC)
                remaining -= closing - begin
        first, day = False, day + timedelta(days=1)


def test_due_times_equal_the_walk_over_the_calendar_exactly():
    """Over random times in three years (weekends, holidays, cuti bersama, evenings, exact closings) and every
    policy plus odd ones, sla.due_at (whole days counted by a remembered walk) equals the day-by-day walk to the
    microsecond: the importer and every other writer take their due times from it."""
    cal = WorkCalendar(extra_holidays=frozenset({date(2026, 12, 31), date(2025, 6, 2)}))
    defaults = [SlaPolicy(code, name, Target(ra, ru), Target(sa, su), cal) for code, name, ra, ru, sa, su, cal
                in SLA_POLICIES]
    policies = [*defaults, SlaPolicy("z", "z", Target(0, "hours"), Target(0.5, "working_days"), "working"),
                SlaPolicy("h", "h", Target(8, "hours"), Target(16, "hours"), "working")]
    rng = random.Random(3)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(3000):
        start = base + timedelta(seconds=rng.randrange(3 * 365 * 86400), microseconds=rng.randrange(10**6))
        if i % 3 == 0:
            start = start.replace(minute=0, second=0, microsecond=0)  # office openings and closings exactly
        for policy in policies:
            if policy.calendar != "working":
                continue
            for target in (policy.response, policy.resolution):
                want = _walked(cal, start, target_seconds(target, "working", cal))
                assert due_at(start, target, "working", cal) == want, (start, policy.code)


def test_store_time_text_of_a_column_equals_one_at_a_time():
    """The whole-column text of the store's times (numpy) is what SQLAlchemy writes for UTCDateTime on SQLite, for
    any aware time."""
    from sqlalchemy.dialects import sqlite

    from data_access.intake.importing.upsert import _sqlite_times
    from data_access.store.types import UTCDateTime

    dialect = sqlite.dialect()
    _sqlite_time = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)

    rng = random.Random(7)
    base = datetime(2000, 1, 1, tzinfo=UTC)
    moments = [base + timedelta(seconds=rng.randrange(40 * 365 * 86400), microseconds=rng.randrange(10**6) * (i % 2))
               for i in range(3000)]
    moments += [m.astimezone(time_zone("WIT")) for m in moments[:50]] + [datetime(2026, 1, 1, tzinfo=UTC)]
    assert _sqlite_times(moments) == [_sqlite_time(m) for m in moments]
    assert _sqlite_times([]) == []
