"""Page chrome shared by the decision pages: navigation, the filter bar (its state lives in the URL), tiles,
panels, grids and the small chart builders they all use. Pure functions: data in, component trees out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html
from flask import g, has_app_context

from core import measures
from core.bounded import local_path
from core.formatting import fmt_dec, fmt_int, fmt_pct, fmt_week
from core.i18n import WIT, Message, status_label, t
from layouts import theme

PAGES = ("wall", "briefing", "opd", "sla", "explorer")
PAGE_PATHS = {"wall": "/wall", "briefing": "/briefing", "opd": "/opd", "sla": "/sla", "explorer": "/explorer"}
# Script libraries only some pages use, and the pages that use them: the index of any other page leaves their
# scripts out (dashboard/app.py), so the wall does not download AG Grid's 1.3 MB nor the briefing Leaflet's. A link
# into a page that needs a library the current page lacks is a full page load rather than Dash's in-page navigation.
OPTIONAL_LIBRARIES = {
    "dash_ag_grid": ("/opd/", "/sla"),
    "dash_leaflet": ("/wall", "/explorer"),
}


def libraries_for(path: str) -> frozenset[str]:
    """The optional script libraries the page at ``path`` draws with ("/" is the wall)."""
    path = "/wall" if path in ("", "/") else path
    return frozenset(name for name, prefixes in OPTIONAL_LIBRARIES.items() if path.startswith(prefixes))


def full_load(from_path: str, to_path: str) -> bool:
    return bool(libraries_for(to_path) - libraries_for(from_path))


def page_link(text, href: str, here: str, **kwargs) -> dcc.Link:
    """A link to another page of the dashboard, from the page at ``here``."""
    return dcc.Link(text, href=href, refresh=full_load(here, href.split("?")[0]), **kwargs)


PERIODS = {"week": 7, "month": 30, "quarter": 90}  # the bar's named periods, in days up to today
FILTER_FIELDS = {"opd": "opds", "category": "categories", "district": "districts", "channel": "channels",
                 "status": "statuses"}
FILTER_KEYS = ("period", "start", "end", *FILTER_FIELDS)

# Component ids of the filter bar (one page at a time, so they are shared).
FB_PERIOD = "fb-period"
FB_DATES = "fb-dates"
FB_APPLY = "fb-apply"
FB_CONTEXT = "fb-context"
FB_LOCATION = "fb-location"
FB_SELECTS = {name: f"fb-{name}" for name in FILTER_FIELDS}
PAGE_VERSION = "page-version"  # what the page last rendered (store version and minute), for the refresh gate


def query_values(raw) -> list[str]:
    """Query values as a list: ``a,b`` and repeated keys both work."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    out: list[str] = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def clean_query(query: Mapping) -> dict:
    """The query as plain strings (Dash passes repeated keys as lists)."""
    return {k: ",".join(query_values(v)) for k, v in query.items() if query_values(v)}


def query_string(query: Mapping, **changes) -> str:
    merged = {**clean_query(query), **{k: v for k, v in changes.items() if v is not None}}
    merged = {k: v for k, v in merged.items() if v not in ("", None)}
    return ("?" + urlencode(merged)) if merged else ""


def filter_query(query: Mapping) -> dict:
    """Only the filter and language parts of a query, carried from page to page by the navigation."""
    return {k: v for k, v in clean_query(query).items() if k in (*FILTER_KEYS, "lang")}


@dataclass(frozen=True)
class FilterOptions:
    """What the filter bar offers: (code, label) pairs per field."""

    opd: tuple[tuple[str, str], ...] = ()
    category: tuple[tuple[str, str], ...] = ()
    district: tuple[tuple[str, str], ...] = ()
    channel: tuple[tuple[str, str], ...] = ()
    status: tuple[tuple[str, str], ...] = ()

    def known(self) -> dict[str, set[str]]:
        return {name: {code for code, _ in getattr(self, name)} for name in FILTER_FIELDS}


# ---------------------------------------------------------------------------------------------- chrome


def navigation(active: str, lang: str, query: Mapping) -> html.Nav:
    carried = filter_query(query)
    links = []
    for page in PAGES:
        q = {"lang": carried["lang"]} if page == "wall" and "lang" in carried else (
            {} if page == "wall" else carried)
        here = PAGE_PATHS.get(active, f"/{active}")
        links.append(page_link(t(f"nav.{page}", lang), PAGE_PATHS[page] + query_string(q), here,
                               className="nav-link nav-active" if page == active else "nav-link"))
    other = "en" if lang == "id" else "id"
    switch = html.A(t("lang.switch", lang), href=query_string(query, lang=other) or "?", className="lang-switch",
                    id="lang-switch")
    return html.Nav(className="page-nav no-print", children=[
        html.Span("Mimika Center", className="page-brand"), html.Div(links, className="nav-links"),
        html.Div([switch, logout_form(lang)], className="nav-tools")])


def logout_form(lang: str) -> html.Form:
    """Logging out: a plain form that POSTs the session's token (a full page load that ends the session on the
    server; a GET could be a link or an image on another site). The guard (dashboard/auth.py) leaves the token in
    flask.g for the request that renders the page."""
    token = g.get("csrf_token", "") if has_app_context() else ""
    # The token rides on the button (a submit button sends its name and value): no input for React to manage.
    return html.Form(html.Button(t("nav.logout", lang), type="submit", name="csrf", value=token,
                                 className="lang-switch", id="nav-logout"),
                     method="post", action="/logout", className="nav-logout")


def filter_bar(query: Mapping, lang: str, options: FilterOptions, path: str) -> html.Section:
    """Dropdowns for the filters, filled from the URL; "apply" writes them back to the URL (callbacks/filter_bar.py)."""
    q = clean_query(query)
    period = q.get("period", "")
    period_options = [{"label": t("filter.period.default", lang), "value": ""}] + [
        {"label": t(f"filter.period.{p}", lang), "value": p} for p in (*PERIODS, "custom")]
    if period not in {o["value"] for o in period_options}:
        period = ""
    controls = [html.Label([t("filter.period", lang), dcc.Dropdown(
        id=FB_PERIOD, options=period_options, value=period, clearable=False, searchable=False)],
        className="fb-field fb-period")]
    controls.append(html.Label([f"{t('filter.start', lang)} – {t('filter.end', lang)}", dcc.DatePickerRange(
        id=FB_DATES, start_date=_safe_date(q.get("start")), end_date=_safe_date(q.get("end")),
        display_format="YYYY-MM-DD", clearable=True, start_date_placeholder_text=t("filter.start", lang),
        end_date_placeholder_text=t("filter.end", lang))], className="fb-field fb-dates"))
    for name in FILTER_FIELDS:
        opts = [{"label": label, "value": code} for code, label in getattr(options, name)]
        known = {o["value"] for o in opts}
        value = [v for v in query_values(q.get(name)) if v in known]
        controls.append(html.Label([t(f"filter.{name}", lang), dcc.Dropdown(
            id=FB_SELECTS[name], options=opts, value=value, multi=True, placeholder=t("filter.all", lang))],
            className=f"fb-field fb-{name}"))
    controls.append(html.Div(className="fb-actions", children=[
        html.Button(t("filter.apply", lang), id=FB_APPLY, className="button primary", n_clicks=0),
        html.A(t("filter.reset", lang), href=path + query_string({"lang": lang} if "lang" in q else {}),
               className="button")]))
    # A named search landmark: a screen reader lists it beside the navigation and the page's main part
    return html.Section(className="filter-bar no-print", role="search", **{"aria-label": t("filter.label", lang)},
                        children=[
        *controls, dcc.Store(id=FB_CONTEXT, data={"path": path, "query": q}),
        dcc.Location(id=FB_LOCATION, refresh="callback-nav")])


def _safe_date(raw) -> str | None:
    try:
        return date.fromisoformat(str(raw)).isoformat() if raw else None
    except ValueError:
        return None


def query_from_bar(context: Mapping, period: str | None, start: str | None, end: str | None,
                   selections: Mapping[str, list | None]) -> str:
    """The URL (path and query) that the filter bar's choices ask for; other query keys are kept. Values of the
    wrong shape (the browser can send anything) are dropped."""
    context = context if isinstance(context, Mapping) else {}
    kept = context.get("query") if isinstance(context.get("query"), Mapping) else {}
    q = {k: v for k, v in kept.items() if isinstance(k, str) and k not in FILTER_KEYS and isinstance(v, str)}
    if isinstance(period, str) and period:
        q["period"] = period
    start = start if isinstance(start, str) else None
    end = end if isinstance(end, str) else None
    if start or end:
        q.update(period="custom", start=(start or "")[:10], end=(end or "")[:10])
    for name, values in selections.items():
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            q[name] = ",".join(values)
    return (local_path(context.get("path")) or "/") + query_string(q)


def page_shell(page: str, lang: str, query: Mapping, title: str, body: list, *, options: FilterOptions | None,
               path: str, error: Message | None = None, subtitle: str | None = None) -> html.Div:
    """Navigation, title, optional filter bar and error banner around a page's body."""
    head = [html.H1(title, className="page-title")]
    if subtitle:
        head.append(html.Div(subtitle, className="page-subtitle"))
    parts = [navigation(page, lang, query), html.Header(head, className="page-header")]
    if options is not None:
        parts.append(filter_bar(query, lang, options, path))
    if error is not None:
        parts.append(error_banner(f"{t('filter.error', lang)}: {error.text(lang)}"))
    parts.append(html.Main(body, className="page-main"))
    parts.append(dcc.Store(id=PAGE_VERSION, data=None))
    return html.Div(parts, className=f"page-root page-{page}", lang=lang)


def error_banner(message: str, element_id: str | None = None) -> html.Div:
    kwargs = {"id": element_id} if element_id else {}
    return html.Div(message, className="page-error", role="alert", **kwargs)


def message(text: str) -> html.P:
    return html.P(text, className="page-message")


def figures_explained(keys, lang: str) -> html.Details:
    """"Apa arti angka ini": each figure of the page named and defined as the measure catalog has it
    (core/measures.py), folded away until asked for."""
    items = []
    for name, definition in measures.definitions(keys, lang):
        items += [html.Dt(name), html.Dd(definition)]
    return html.Details([html.Summary(t("figures.explained", lang)), html.Dl(items, className="figures-explained")],
                        className="page-panel figures-explained-panel")


def panel(title: str, body, *, extra_class: str = "", title_id: str | None = None, actions=None) -> html.Section:
    heading = [html.H2(title, className="panel-heading", **({"id": title_id} if title_id else {}))]
    if actions is not None:  # a component without children is falsy
        heading.append(html.Div(actions, className="panel-actions no-print"))
    if isinstance(body, list | tuple):  # a list inside the children list reaches React as raw objects (error #31)
        body = html.Div(list(body))
    return html.Section([html.Div(heading, className="panel-head"), body], className=f"page-panel {extra_class}")


def graph(graph_id: str, height: int = 320) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=empty_figure(), config={"displayModeBar": False, "responsive": True},
                     style={"height": f"{height}px"}, className="page-graph")


# ---------------------------------------------------------------------------------------------- tiles


def tile(label: str, value: str, sample: str | None = None, tone: str = "", element_id: str | None = None
         ) -> html.Div:
    kwargs = {"id": element_id} if element_id else {}
    children = [html.Div(label, className="tile-label"), html.Div(value, className="tile-value", **kwargs)]
    if sample:
        children.append(html.Div(sample, className="tile-sample"))
    return html.Div(children, className=f"tile {('tile-' + tone) if tone else ''}")


def kpi_tiles(kpis: pd.DataFrame, lang: str, prefix: str) -> list:
    """Headline KPIs as tiles; each value has the id ``{prefix}-{measure}`` so tests can read it back."""
    k = kpis.iloc[0]
    # One overdue figure (each report once, as the grid marks them), with the two targets it is made of
    overdue_parts = t("tile.overdue_parts", lang, response=fmt_int(k["overdue_response"], lang=lang),
                      resolution=fmt_int(k["overdue_resolution"], lang=lang))
    rows = [
        ("open", fmt_int(k["open"], lang=lang), None, ""),
        ("overdue", fmt_int(k["overdue"], lang=lang), overdue_parts, "alert"),
        ("at_risk", fmt_int(k["at_risk"], lang=lang), None, "warn"),
        ("response_compliance", fmt_pct(k["response_compliance_pct"], lang=lang), t("sample", lang, n=fmt_int(
            k["response_sample"], lang=lang)), ""),
        ("resolution_compliance", fmt_pct(k["resolution_compliance_pct"], lang=lang), t("sample", lang, n=fmt_int(
            k["resolution_sample"], lang=lang)), ""),
        ("median_response", fmt_dec(k["median_response_hours"], lang=lang), None, ""),
    ]
    return [tile(t(f"tile.{name}", lang), value, sample, tone, f"{prefix}-{name}")
            for name, value, sample, tone in rows]


# ---------------------------------------------------------------------------------------------- grids

WRAPPED_COLUMNS = ("category", "district", "transferred_from", "due_kind", "opd", "sla_state")
GRID_THEME = {"function": (
    f"themeQuartz.withParams({{backgroundColor: '{theme.PANEL}', foregroundColor: '{theme.TEXT}', "
    f"headerBackgroundColor: '#1b2433', borderColor: '{theme.GRID}', accentColor: '{theme.OKABE_ITO['sky']}', "
    "fontSize: 14, spacing: 5, browserColorScheme: 'dark'})")}


def fmt_wit(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).tz_convert(WIT).strftime("%Y-%m-%d %H:%M")


def _text(value) -> str:
    """A text cell's value; "" for None and NaN (pandas gives NaN for SQL NULL, and NaN is truthy)."""
    return value if isinstance(value, str) else ""


def place_name(district, located, lang: str) -> str:
    """A report's district, or why it has none: its point lies outside the regency, or it came without one."""
    if _text(district):
        return district
    return t("location.outside" if located is True or located == 1 else "location.none", lang)


def report_rows(reports: pd.DataFrame, lang: str) -> list[dict]:
    """Grid rows for single reports: WIT times as sortable text, a link to the report page, states in words."""
    rows = []
    for r in reports.itertuples(index=False):
        d = r._asdict()
        row = {
            "id": int(d["id"]),
            "link": f"[#{int(d['id'])}](/report/{int(d['id'])}{query_string({'lang': lang}) if lang != 'id' else ''})",
            "created_at": fmt_wit(d.get("created_at")),
            "title": d.get("title") or "",
            "category": d.get("category") or "",
            "district": place_name(d.get("district"), d.get("located"), lang),
            "opd": _text(d.get("opd")) or "–",
            "status": status_label(d.get("status"), lang) if d.get("status") else "",
            "response_due_at": fmt_wit(d.get("response_due_at")),
            "resolution_due_at": fmt_wit(d.get("resolution_due_at")),
            "age_days": round(float(d["age_days"]), 1) if d.get("age_days") is not None else None,
        }
        if "transferred_from" in d:  # the breach counts against this OPD, which no longer holds the report
            row["transferred_from"] = d["transferred_from"] if isinstance(d["transferred_from"], str) else ""
        if "sla_state" in d:
            row["sla_state"] = t(f"state.{d['sla_state']}", lang)
            row["sla_key"] = d["sla_state"]
            if d["sla_state"] == "breached" and isinstance(d.get("late"), str):  # which target: not just "late"
                row["sla_state"] = t(f"state.late.{d['late']}", lang)
        if "due_kind" in d:
            row["due_kind"] = t(f"due.{d['due_kind']}", lang)
            row["due_at"] = fmt_wit(d.get("due_at"))
            row["hours_left"] = round(float(d["hours_left"]), 1)
        rows.append(row)
    return rows


GRID_TEXT_KEYS = ("page", "of", "to", "more", "pageSizeSelectorLabel", "ariaPageSizeSelectorLabel", "firstPage",
                  "previousPage", "nextPage", "lastPage", "noRowsToShow", "loadingOoo", "filterOoo", "equals",
                  "notEqual", "contains", "notContains", "startsWith", "endsWith", "blank", "notBlank",
                  "andCondition", "orCondition", "lessThan", "greaterThan", "lessThanOrEqual", "greaterThanOrEqual",
                  "inRange", "applyFilter", "resetFilter", "clearFilter", "searchOoo", "selectAll")


def grid_texts(lang: str) -> dict[str, str]:
    """AG Grid's own words (pagination, filters, "no rows") in the page's language, from the catalog."""
    return {key: t(f"grid.{key}", lang) for key in GRID_TEXT_KEYS}


def report_grid(grid_id: str, rows: list[dict], lang: str, columns: Iterable[str], height: int = 460) -> dag.AgGrid:
    """A sortable, filterable grid of reports with a link column to /report/<id>."""
    defs = [{"field": "id", "headerName": t("col.id", lang), "cellRenderer": "ReportLink", "width": 110,
             "cellRendererParams": {"suffix": query_string({"lang": lang}) if lang != "id" else ""},
             "filter": "agNumberColumnFilter", "pinned": "left"}]
    numeric = {"age_days", "hours_left"}
    for column in columns:
        spec = {"field": column, "headerName": t(f"col.{column}", lang)}
        if column in numeric:
            spec.update(type="numericColumn", filter="agNumberColumnFilter", width=120, valueFormatter={
                "function": "params.value == null ? '' : params.value.toLocaleString('id-ID', "
                            "{minimumFractionDigits: 1, maximumFractionDigits: 1})"})
        elif column == "title":
            spec.update(flex=2, minWidth=220, wrapText=True, autoHeight=True)
        elif column in WRAPPED_COLUMNS:  # "Jalan dan jembatan", "Dinas Kependudukan …": wrapped, never cut off
            spec.update(filter="agTextColumnFilter", flex=1, minWidth=170, wrapText=True, autoHeight=True)
        else:
            spec.update(filter="agTextColumnFilter", flex=1, minWidth=120)
        if column == "sla_state":
            spec["cellClassRules"] = {"cell-breached": "params.data.sla_key == 'breached'",
                                      "cell-at-risk": "params.data.sla_key == 'at_risk'"}
        defs.append(spec)
    # Headers wrap onto a second line ("Batas respons (WIT)") instead of ending in "…".
    # The keyboard enters the rows as one tab stop and walks them with the arrow keys (Enter on a report number
    # opens it: assets/pages.js); Tab from a row leaves the grid, not the 50 rows × 11 cells one by one.
    return dag.AgGrid(id=grid_id, rowData=rows, columnDefs=defs, className="page-grid",
                      defaultColDef={"sortable": True, "filter": True, "resizable": True, "floatingFilter": True,
                                     "wrapHeaderText": True, "autoHeaderHeight": True},
                      dashGridOptions={"theme": GRID_THEME, "pagination": True, "paginationPageSize": 50,
                                       "animateRows": False, "tabToNextCell": {"function": "false"},
                                       "localeText": grid_texts(lang)},
                      style={"height": f"{height}px", "width": "100%"})


def table(frame: pd.DataFrame, columns: list[tuple[str, str]], *, table_id: str | None = None,
          row_class=None) -> html.Table:
    """A plain HTML table (prints well) of already formatted values: ``columns`` is (field, header) pairs."""
    head = html.Thead(html.Tr([html.Th(h) for _, h in columns]))
    body = []
    for _, r in frame.iterrows():
        cls = row_class(r) if row_class else None
        body.append(html.Tr([html.Td(r[f]) for f, _ in columns], className=cls))
    kwargs = {"id": table_id} if table_id else {}
    return html.Table([head, html.Tbody(body)], className="page-table", **kwargs)


# ---------------------------------------------------------------------------------------------- charts


def figure_layout(**overrides) -> dict:
    """The wall's chart look, with hover on: people at a desk can point at a bar."""
    base = theme.base_figure_layout(hovermode="closest", uirevision="page")
    base["font"] = {**base["font"], "size": 13}
    base["margin"] = {"l": 8, "r": 16, "t": 30, "b": 8, "pad": 4}
    for key, value in overrides.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return base


def empty_figure(text: str = "") -> dict:
    layout = figure_layout(xaxis={"visible": False}, yaxis={"visible": False}, showlegend=False)
    if text:
        layout["annotations"] = [{"text": text, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5,
                                  "y": 0.5, "font": {"color": theme.MUTED, "size": 15}}]
    return {"data": [], "layout": layout}


def flow_figure(weekly: pd.DataFrame, lang: str) -> dict:
    """Reports in against reports resolved per week (Monday–Sunday, WIT), as grouped bars, each week named as the
    briefing names it ("21–27 Sep", core.formatting.fmt_week), never "2026-W39"."""
    if weekly.empty:
        return empty_figure(t("none", lang))
    weeks = [fmt_week(date.fromisoformat(str(d)), lang) for d in weekly["week_start"]]
    return {"data": [
        {"type": "bar", "name": t("opd.inflow", lang), "x": weeks, "y": list(weekly["inflow"]),
         "marker": {"color": theme.INFLOW_COLOUR}},
        {"type": "bar", "name": t("opd.closed", lang), "x": weeks, "y": list(weekly["resolved"]),
         "marker": {"color": theme.CLOSED_COLOUR}},
    ], "layout": figure_layout(barmode="group", xaxis={"type": "category", "nticks": 12})}
