"""/publik as plain HTML: the public's view of how complaints are handled, light enough for a phone on a poor
link (no script, no chart library: the trend is inline SVG), readable without the dashboard's bundle.

Pure: public figures in, an HTML document or open-data files out. The figures arrive already suppressed
(data_access.queries.public); this module never computes a share itself.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from datetime import date

from core import measures
from core.formatting import MISSING, fmt_dec, fmt_int, fmt_pct, fmt_when
from core.i18n import WIT, t
from core.spreadsheet_cells import csv_cell

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE = f"CC BY 4.0 ({LICENCE_URL})"
PUBLISHER = "Pemerintah Kabupaten Mimika — Mimika Center"
OPEN_DATA_COLUMNS = ("level", "month", "code", "name", "reports", "resolved", "response_met", "response_sample",
                     "response_compliance_pct", "resolution_met", "resolution_sample", "resolution_compliance_pct",
                     "median_response_hours", "median_resolution_hours")
MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def month_label(key: str, lang: str, *, year: bool = True) -> str:
    y, m = (int(p) for p in key.split("-"))
    name = (MONTHS_EN if lang == "en" else MONTHS_ID)[m - 1]
    return f"{name} {y}" if year else name


def duration(hours, lang: str) -> str:
    """Hours for people: '5,2 jam' under two days, '16,5 hari' beyond."""
    if _missing(hours):
        return MISSING
    if hours < 48:
        return f"{fmt_dec(hours, 1, lang=lang)} {t('pub.unit.hours', lang)}"
    return f"{fmt_dec(hours / 24, 1, lang=lang)} {t('pub.unit.days', lang)}"


def _count(value, lang: str, below: int = 5) -> str:
    """A count, or '<5' where it was hidden (the threshold is said once in the notes)."""
    return f"&lt;{below}" if _missing(value) else fmt_int(value, lang=lang)


def _sample(sample, lang: str, below: int) -> str:
    """'n = 120', 'n = 0', or 'n &lt; 5' where the sample itself is hidden."""
    return f"n &lt; {below}" if _missing(sample) else f"n = {fmt_int(sample, lang=lang)}"


def _share(pct, sample, lang: str, below: int = 5) -> str:
    """'86,6% (n = 120)': a share never without its sample; '–' when too few were decided or on time (its n
    is still shown when it may be)."""
    value = MISSING if _missing(pct) else fmt_pct(pct, 1, lang=lang)
    return f'{value} <span class="n">({_sample(sample, lang, below)})</span>'


def _cell(label: str, content: str, cls: str = "") -> str:
    # One child element, so on a phone the label (::before) and the value sit on the two ends of one line.
    return f'<td data-label="{_e(label)}"{f" class={cls!r}" if cls else ""}><span>{content}</span></td>'


def _table(headers: list[str], rows: list[list[str]], caption: str, numeric_from: int = 1) -> str:
    head = "".join(f'<th scope="col"{" class=num" if i >= numeric_from else ""}>{_e(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(_cell(headers[i], c, "num" if i >= numeric_from else "")
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return (f'<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def nice_ticks(top: float, count: int = 4) -> list[int]:
    """Round tick values from 0 up to at least ``top``: steps of 1, 2, 2.5 or 5 times a power of ten (0, 500,
    1.000, 1.500 rather than 0, 366, 732, 1.098)."""
    raw = max(top, 1) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    step = max(1, round(step))  # counts: whole numbers only
    return [step * i for i in range(math.ceil(max(top, 1) / step) + 1)]


# Two drawings of one chart, each at about the scale it is shown: text in an SVG scales with its width, so one
# 720-wide drawing shown 360 px wide on a phone had 7 px axis labels. CSS shows the one that fits.
TREND_WIDE = {"width": 720, "height": 260, "font": 15, "bar_share": 0.36, "every": 1, "cls": "trend wide"}
TREND_NARROW = {"width": 360, "height": 240, "font": 14, "bar_share": 0.4, "every": 2, "cls": "trend narrow"}


def trend_svg(regency, lang: str) -> str:
    """Monthly reports received and resolved as paired bars (inline SVG, no script); hidden counts draw nothing."""
    legend = (f'<p class="legend"><span class="key in"></span>{_e(t("pub.trend.received", lang))}'
              f'<span class="key out"></span>{_e(t("pub.trend.resolved", lang))}</p>')
    return _trend_drawing(regency, lang, TREND_WIDE, "trend-title") + \
        _trend_drawing(regency, lang, TREND_NARROW, "trend-title-narrow") + legend


def _trend_drawing(regency, lang: str, shape: dict, title_id: str) -> str:
    months = list(regency["month"])
    received = [None if _missing(v) else int(v) for v in regency["reports"]]
    resolved = [None if _missing(v) else int(v) for v in regency["resolved"]]
    ticks = nice_ticks(max([1, *(v for v in received + resolved if v is not None)]))  # empty store: empty chart
    top = ticks[-1]
    width, height, font = shape["width"], shape["height"], shape["font"]
    labels = [fmt_int(value, lang=lang) for value in ticks]
    # Room for the longest tick label (digits are about 0.6 em wide) so "1.464" never loses its "1".
    left = math.ceil(max(len(label) for label in labels) * font * 0.62) + 12
    bottom, top_pad = font + 20, 14
    slot = (width - left - 8) / max(len(months), 1)
    bar = slot * shape["bar_share"]
    plot_h = height - bottom - top_pad
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id}" class="{shape["cls"]}">',
             f'<title id="{title_id}">{_e(t("pub.trend.title", lang))}</title>']
    for value, label in zip(ticks, labels, strict=True):
        y = top_pad + plot_h - plot_h * value / top
        parts.append(f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + font * 0.3:.1f}" class="axis" font-size="{font}" '
                     f'text-anchor="end">{_e(label)}</text>')
    last = len(months) - 1
    for i, key in enumerate(months):
        x = left + i * slot + slot * (1 - 2 * shape["bar_share"]) / 2
        for j, (values, cls) in enumerate(((received, "in"), (resolved, "out"))):
            value = values[i]
            if value is None:
                continue
            h = plot_h * value / top
            parts.append(f'<rect x="{x + j * bar:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" class="{cls}"><title>{_e(month_label(key, lang))}: '
                         f'{_e(fmt_int(value, lang=lang))}</title></rect>')
        if (last - i) % shape["every"] == 0:  # on a phone every other month is named, always the current one
            parts.append(f'<text x="{x + bar:.1f}" y="{height - 8}" class="axis" font-size="{font}" '
                         f'text-anchor="middle">{_e(month_label(key, lang, year=False))}'
                         f'{"*" if i == last else ""}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _headline(label: str, value: str, note: str = "", sample: str = "") -> str:
    return (f'<div class="tile"><div class="label">{_e(label)}</div><div class="value">{value}</div>'
            f'{f"<div class=sample>{sample}</div>" if sample else ""}'
            f'{f"<div class=note>{note}</div>" if note else ""}</div>')


def _headline_share(label: str, pct, sample, lang: str, below: int, note: str = "") -> str:
    value = MISSING if _missing(pct) else fmt_pct(pct, 1, lang=lang)
    return _headline(label, value, note, _sample(sample, lang, below))


# The figures /publik shows, defined by the measure catalog (core/measures.py).
FIGURES = ("reports", "response_compliance_pct", "resolution_compliance_pct", "median_response_hours",
           "median_resolution_hours", "open", "overdue", "per_10k")


def page(figures, lang: str, *, other_lang_href: str) -> str:
    """The whole /publik document."""
    reg, opd, dist = figures.regency, figures.by_opd, figures.by_district
    totals = figures.totals
    period = f"{month_label(figures.months[0], lang)} – {month_label(figures.months[-1], lang)}"
    below = figures.suppress_below

    def count(value, lang):
        return _count(value, lang, below)

    def share(pct, sample, lang):
        return _share(pct, sample, lang, below)

    tiles = "".join([
        _headline(t("pub.kpi.reports", lang), count(totals["reports"], lang)),
        _headline_share(t("pub.kpi.response", lang), totals["response_compliance_pct"], totals["response_sample"],
                        lang, below, _e(t("pub.kpi.response.note", lang))),
        _headline_share(t("pub.kpi.resolution", lang), totals["resolution_compliance_pct"],
                        totals["resolution_sample"], lang, below, _e(t("pub.kpi.resolution.note", lang))),
        _headline(t("pub.kpi.open", lang), count(totals["backlog"], lang),
                  _e(t("pub.kpi.open.note", lang, overdue=count(totals["overdue"], lang)))),
    ])
    current = figures.months[-1]
    monthly_rows = [[_e(month_label(r.month, lang)) + ("*" if r.month == current else ""), count(r.reports, lang),
                     count(r.resolved, lang),
                     share(r.response_compliance_pct, r.response_sample, lang),
                     duration(r.median_response_hours, lang)] for r in reg.itertuples()]
    opd_rows = [[f'<b>{_e(r.short_name)}</b> <span class="code">{_e(r.name)}</span>', count(r.reports, lang),
                 share(r.response_compliance_pct, r.response_sample, lang),
                 share(r.resolution_compliance_pct, r.resolution_sample, lang),
                 duration(r.median_response_hours, lang), duration(r.median_resolution_hours, lang),
                 count(r.backlog, lang), count(r.overdue, lang)] for r in opd.itertuples()]
    districts = dist.sort_values("name")
    district_rows = [[_e(r.name) + (' <span class="remote" title="' + _e(t("pub.remote", lang)) + '">◆</span>'
                                    if r.remote else ""),
                      fmt_int(r.population, lang=lang), count(r.reports, lang),
                      MISSING if _missing(r.per_10k) else fmt_dec(r.per_10k, 1, lang=lang),
                      duration(r.median_response_hours, lang)] for r in districts.itertuples()]
    h = {k: t(f"pub.col.{k}", lang) for k in ("month", "reports", "resolved", "response", "resolution",
                                              "median_response", "median_resolution", "open", "overdue", "opd",
                                              "district", "population", "per_10k")}
    as_of = t("pub.asof", lang, when=fmt_when(figures.now, lang=lang))
    explained = "".join(f"<dt>{_e(name)}</dt><dd>{_e(text)}</dd>" for name, text in measures.definitions(FIGURES, lang))
    suffix, other_lang = lang_query(lang), "id" if lang == "en" else "en"
    sections = (("ringkasan", "pub.nav.summary"), ("tren", "pub.trend.title"), ("opd", "pub.opd.title"),
                ("distrik", "pub.district.title"), ("catatan", "pub.notes.title"))
    toc = "".join(f'<li><a href="#{anchor}">{_e(t(key, lang))}</a></li>' for anchor, key in sections)
    body = f"""
<header>
  <div><h1>{_e(t("pub.title", lang))}</h1>
  <p class="sub">{_e(t("pub.subtitle", lang, period=period))} · {_e(as_of)}</p></div>
  <nav aria-label="{_e(t("pub.nav.site", lang))}">
  <a href="{_e(other_lang_href)}" lang="{other_lang}">{_e(t("pub.other_lang", lang))}</a> ·
  <a href="/login">{_e(t("pub.login", lang))}</a></nav>
</header>
<nav class="toc" aria-label="{_e(t("pub.nav.page", lang))}"><ul>{toc}</ul></nav>
<main>
<p class="promise">{_e(t("pub.promise", lang))}</p>
<section class="citizen" aria-label="{_e(t("pub.citizen.title", lang))}">
<a class="action" href="/publik/lapor{suffix}">{_e(t("pub.citizen.report", lang))}</a>
<a class="action" href="/publik/lacak{suffix}">{_e(t("pub.citizen.track", lang))}</a></section>
<section id="ringkasan" class="tiles" aria-label="{_e(t("pub.kpi.title", lang))}">{tiles}</section>
<section id="tren"><h2>{_e(t("pub.trend.title", lang))}</h2>{trend_svg(reg, lang)}
<p class="lead">* {_e(t("pub.trend.current", lang, month=month_label(current, lang),
                        when=fmt_when(figures.now, lang=lang)))}</p>
<details><summary>{_e(t("pub.trend.table", lang))}</summary>
{_table([h["month"], h["reports"], h["resolved"], h["response"], h["median_response"]], monthly_rows,
        t("pub.trend.table", lang))}</details></section>
<section id="opd"><h2>{_e(t("pub.opd.title", lang))}</h2><p class="lead">{_e(t("pub.opd.lead", lang))}</p>
{_table([h["opd"], h["reports"], h["response"], h["resolution"], h["median_response"], h["median_resolution"],
         h["open"], h["overdue"]], opd_rows, t("pub.opd.title", lang))}</section>
<section id="distrik"><h2>{_e(t("pub.district.title", lang))}</h2><p class="lead">{_e(t("pub.district.lead", lang))}</p>
{_table([h["district"], h["population"], h["reports"], h["per_10k"], h["median_response"]], district_rows,
        t("pub.district.title", lang))}</section>
<section id="catatan" class="notes"><h2>{_e(t("pub.notes.title", lang))}</h2><ul>
<li>{_e(t("pub.notes.suppressed", lang, n=below, m=below - 1))}</li>
<li>{_e(t("pub.notes.compliance", lang))}</li>
<li>{_e(t("pub.notes.remote", lang))}</li>
<li>{_e(t("pub.notes.none", lang))}</li></ul>
<details><summary>{_e(t("figures.explained", lang))}</summary><dl>{explained}</dl></details>
<p class="downloads">{_e(t("pub.download", lang))}: <a href="/publik/data.csv" download>CSV</a> ·
<a href="/publik/data.json">JSON</a></p>
<p class="licence">{_e(t("pub.licence", lang, licence=LICENCE, publisher=PUBLISHER))}</p></section>
</main>"""
    return document(t("pub.title", lang), body, lang)


def lang_query(lang: str) -> str:
    """The query string that keeps a link in the page's language (Indonesian, the default, needs none)."""
    return "?lang=en" if lang == "en" else ""


def document(title: str, body: str, lang: str) -> str:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{_e(title)} · Mimika Center</title><style>{STYLE}</style></head><body>{body}</body></html>")


def open_data_rows(figures) -> list[dict]:
    """The monthly aggregates as flat records: the regency, each OPD and each district per month."""
    rows = []
    names = dict(zip(figures.by_opd["opd_code"], figures.by_opd["name"], strict=True))
    district_names = dict(zip(figures.by_district["district_code"], figures.by_district["name"], strict=True))

    def record(level, month, code, name, r) -> dict:
        out = {"level": level, "month": month, "code": code, "name": name}
        for column in OPEN_DATA_COLUMNS[4:]:
            value = r.get(column)
            out[column] = None if _missing(value) else (round(float(value), 2) if column.endswith(
                ("_pct", "_hours")) else int(value))
        return out

    for r in figures.regency.to_dict("records"):
        rows.append(record("kabupaten", r["month"], "94.04", "Kabupaten Mimika", r))
    for r in figures.opd_monthly.to_dict("records"):
        if r["opd_code"] in names:
            rows.append(record("opd", r["month"], r["opd_code"], names[r["opd_code"]], r))
    for r in figures.district_monthly.to_dict("records"):
        rows.append(record("distrik", r["month"], r["district_code"], district_names.get(r["district_code"], ""), r))
    return rows


def open_data_csv(figures) -> str:
    """CSV that starts with its header, as every CSV reader expects: the licence travels in the response's Link
    header and in data.json's meta (a '#' line above the header was read as a row of data)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OPEN_DATA_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in open_data_rows(figures):
        writer.writerow({k: "" if v is None else csv_cell(v) for k, v in row.items()})
    return out.getvalue()


def open_data_json(figures) -> str:
    meta = {"publisher": PUBLISHER, "licence": LICENCE, "licence_url": LICENCE_URL,
            "generated_at": figures.now.isoformat(),
            "period": {"from": figures.months[0], "to": figures.months[-1]},
            "suppressed_below": figures.suppress_below,
            "notes": "Counts from 1 to the threshold minus one are null (on-time counts too); a share is null when "
                     "its sample or its on-time count is such a count, a median needs a sample of at least the "
                     "threshold. Compliance counts for the OPD holding a report when its target was met or fell due.",
            "fields": list(OPEN_DATA_COLUMNS)}
    return json.dumps({"meta": meta, "data": open_data_rows(figures)}, ensure_ascii=False, separators=(",", ":"))


def open_data_filename(figures, ext: str) -> str:
    day: date = figures.now.astimezone(WIT).date()
    return f"mimika_pengaduan_bulanan_{day:%Y%m%d}.{ext}"


STYLE = """
:root{--bg:#f6f8fa;--ink:#14212b;--muted:#52616d;--line:#d5dde3;--in:#0072B2;--out:#009E73;--card:#fff}
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:var(--bg);color:var(--ink);line-height:1.45}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:flex-end;gap:.5rem 1.5rem;
padding:1.25rem clamp(1rem,4vw,3rem);background:#0f1a24;color:#e8eef3}
header h1{margin:0;font-size:clamp(1.35rem,3.2vw,2rem)}header .sub{margin:.25rem 0 0;color:#b9c8d3}
header a{color:#9fd3f5}main{max-width:1440px;margin:0 auto;padding:1rem clamp(.75rem,3vw,2rem) 3rem}
.promise{font-style:italic;color:var(--muted);margin:.5rem 0 1rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.75rem}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.9rem 1rem}
.tile .label{color:var(--muted);font-size:.95rem}.tile .value{font-size:1.9rem;font-weight:700}
.tile .note{color:var(--muted);font-size:.85rem}.tile .sample{color:var(--muted);font-size:1rem}
details{margin-top:.5rem}summary{cursor:pointer;color:#005a8c;margin-bottom:.4rem}
td:first-child{min-width:14rem}td:first-child .code{display:block}.n{color:var(--muted);font-size:.8em;font-weight:400}
section{margin-top:1.75rem}h2{font-size:1.3rem;margin:0 0 .4rem}.lead{margin:.1rem 0 .6rem;color:var(--muted)}
.trend{width:100%;max-width:900px;height:auto;background:var(--card);border:1px solid var(--line);border-radius:8px}
.trend .grid{stroke:#e3e9ee}.trend .axis{fill:var(--muted)}
.trend .in{fill:var(--in)}
.trend .out{fill:var(--out)}.trend.narrow{display:none}
.toc{background:#e4ebf0;border-bottom:1px solid var(--line);padding:.35rem 0}
.toc ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1.1rem;margin:0 auto;max-width:1440px;
padding:0 clamp(.75rem,3vw,2rem)}
.toc a{display:inline-block;padding:.4rem 0}
.citizen{display:flex;flex-wrap:wrap;gap:.6rem;margin:0 0 1rem}
.action{display:inline-block;background:#005a8c;color:#fff;font-weight:600;text-decoration:none;
padding:.65rem 1.1rem;border-radius:6px}.action.second{background:#fff;color:#005a8c;border:2px solid #005a8c}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,
summary:focus-visible{outline:3px solid #b35900;outline-offset:2px}
form.plain{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;max-width:44rem}
form.plain label{display:block;font-weight:600;margin:.9rem 0 .25rem}form.plain .hint{color:var(--muted);
font-size:.9rem;margin:.1rem 0 .3rem}form.plain input[type=text],form.plain input[type=tel],form.plain select,
form.plain textarea{width:100%;font:inherit;padding:.55rem .6rem;border:1px solid #6b7a86;border-radius:6px;
background:#fff;color:var(--ink)}form.plain textarea{min-height:9rem}
form.plain .check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
form.plain .check input{width:1.2rem;height:1.2rem;margin-top:.15rem}
form.plain button{margin-top:1.1rem;font:inherit;font-weight:600;background:#005a8c;color:#fff;border:0;
border-radius:6px;padding:.7rem 1.3rem;cursor:pointer}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:0 .75rem}.errors{border:2px solid #a30000;background:#fff;
border-radius:8px;padding:.6rem 1rem;margin:0 0 1rem}.errors h2{color:#a30000;font-size:1.1rem}
.error{color:#a30000;font-weight:600;margin:.2rem 0}.token{font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:1.5rem;font-weight:700;background:#fff;border:2px dashed #005a8c;border-radius:6px;padding:.5rem .8rem;
display:inline-block;overflow-wrap:anywhere;user-select:all}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;max-width:44rem;
margin:.5rem 0 1rem}.card>:first-child{margin-top:0}#hasil h2{margin-top:1.5rem}
.targets{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:0 .75rem;max-width:44rem}
form.plain fieldset{border:0;border-top:1px solid var(--line);padding:.6rem 0 0;margin:1.4rem 0 0;min-width:0}
form.plain legend{font-weight:700;font-size:1.05rem;padding:0 .4rem 0 0}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:.5rem 0}.facts dt{color:var(--muted)}
.facts dd{margin:0}.state{font-weight:700}.state.met{color:#00704a}.state.late,.state.overdue{color:#a30000}
.timeline{padding-left:1.2rem}.timeline li{margin:.35rem 0}.timeline time{color:var(--muted)}
.legend{margin:.3rem 0 .8rem}.key{display:inline-block;width:1em;height:1em;
vertical-align:-.15em;margin:0 .35em 0 1em;border-radius:2px}
.key.in{background:var(--in)}.key.out{background:var(--out)}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);font-size:.95rem}
caption{text-align:left;position:absolute;left:-9999px}th,td{padding:.45rem .6rem;border-bottom:1px solid var(--line);
text-align:left;vertical-align:top}th{background:#eef2f5;font-weight:600}.num{text-align:right;white-space:nowrap}
.code{color:var(--muted);font-size:.85em}.remote{color:#b35900}.notes ul{padding-left:1.2rem;color:var(--muted)}
.licence,.downloads{color:var(--muted)}.licence{overflow-wrap:anywhere}a{color:#005a8c}
@media (max-width:700px){table,thead,tbody,tr,td{display:block}thead{position:absolute;left:-9999px}
tr{border-bottom:2px solid var(--line);padding:.35rem 0}td{border:0;padding:.2rem .6rem;display:flex;
justify-content:space-between;gap:1rem;text-align:right}td::before{content:attr(data-label);color:var(--muted);
text-align:left;font-weight:600}td:first-child{display:block;text-align:left;font-size:1.05rem}
td:first-child::before{content:none}td:first-child .code{display:inline}
.tile .value{font-size:1.6rem}.trend.wide{display:none}.trend.narrow{display:block}
.pair{grid-template-columns:1fr}.facts{grid-template-columns:1fr}.facts dd{margin-bottom:.4rem}}
@media print{header{background:none;color:#000}header a{display:none}}
"""
