"""/publik/lapor and /publik/lacak as plain HTML: a citizen files a report and follows it with its token, on a
phone on a 2G link, with no script at all (the pages share /publik's stylesheet and its Content-Security-Policy).

Pure: reference lists, a tracked report or a form's values in, an HTML document out.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from core.formatting import fmt_when
from core.i18n import status_label, t
from layouts.public import document, lang_query

# The form's bounds, said to the browser (maxlength) and enforced again by the route.
DESCRIPTION_MAX, ADDRESS_MAX, NAME_MAX, PHONE_MAX, TOKEN_MAX = 4000, 400, 60, 32, 64


def _e(value) -> str:
    return html.escape(str(value), quote=True)


STATES = ("met", "late", "overdue", "paused", "pending", "unknown", "excluded")


def _other(path: str, lang: str, **args: str) -> str:
    query = {**{k: v for k, v in args.items() if v}, **({} if lang == "en" else {"lang": "en"})}
    return f"{path}?{urlencode(query)}" if query else path


def _header(title: str, lang: str, other_href: str) -> str:
    suffix = lang_query(lang)
    other_lang = "id" if lang == "en" else "en"
    return f"""
<header>
  <div><h1>{_e(title)}</h1></div>
  <nav aria-label="{_e(t("pub.nav.site", lang))}"><a href="/publik{suffix}">{_e(t("cit.back", lang))}</a> ·
  <a href="{_e(other_href)}" lang="{other_lang}">{_e(t("pub.other_lang", lang))}</a></nav>
</header>"""


# --- /publik/lacak ---------------------------------------------------------------------------------------------


def track_page(lang: str, *, token: str = "", found: Mapping | None = None, outcome: str = "form") -> str:
    """The look-up form, and below it what was found: the report (``found``), or one sentence for an unknown
    token (the same whatever was typed), too many look-ups, or the store being away."""
    title = t("cit.track.title", lang)
    shown_token = token if outcome == "found" else ""
    answer = ""
    if outcome == "found" and found is not None:
        answer = _tracked(found, lang)
    elif outcome in ("unknown", "throttled", "unavailable"):
        answer = f'<section class="card" id="hasil"><h2>{_e(t(f"cit.track.{outcome}", lang))}</h2>' \
                 f'<p>{_e(t(f"cit.track.{outcome}.help", lang))}</p></section>'
    body = f"""{_header(title, lang, _other("/publik/lacak", lang, token=shown_token))}
<main>
<p class="promise">{_e(t("cit.track.lead", lang))}</p>
<form class="plain" method="get" action="/publik/lacak" role="search">
<input type="hidden" name="lang" value="{_e(lang)}">
<label for="token">{_e(t("cit.track.token", lang))}</label>
<p class="hint" id="token-hint">{_e(t("cit.track.token.hint", lang))}</p>
<input type="text" id="token" name="token" value="{_e(shown_token)}" maxlength="{TOKEN_MAX}" required
 autocomplete="off" autocapitalize="off" spellcheck="false" aria-describedby="token-hint">
<button type="submit">{_e(t("cit.track.submit", lang))}</button>
</form>
{answer}
<p><a href="/publik/lapor{lang_query(lang)}">{_e(t("pub.citizen.report", lang))}</a></p>
</main>"""
    return document(title, body, lang)


def _when(moment, lang: str) -> str:
    return fmt_when(moment, lang=lang) if moment is not None else "–"


def _target(kind: str, found: Mapping, lang: str) -> str:
    due = found[f"{kind}_due_at"]
    state = found[f"{kind}_state"]
    state = state if state in STATES else "unknown"
    done = found["responded_at"] if kind == "response" else found["resolved_at"]
    done_text = f' <span class="n">({_e(t(f"cit.done.{kind}", lang, when=_when(done, lang)))})</span>' \
        if done is not None and state in ("met", "late") else ""
    return (f'<div class="card target"><h3>{_e(t(f"cit.target.{kind}", lang))}</h3>'
            f'<dl class="facts"><dt>{_e(t("cit.target.due", lang))}</dt><dd>{_e(_when(due, lang))}</dd>'
            f'<dt>{_e(t("cit.target.state", lang))}</dt><dd><span class="state {state}">'
            f'{_e(t(f"cit.state.{state}", lang))}</span>{done_text}</dd></dl></div>')


def _tracked(found: Mapping, lang: str) -> str:
    category = found["category_en"] if lang == "en" and found.get("category_en") else found["category"]
    facts = [(t("cit.fact.status", lang), f'<b>{_e(status_label(found["status"], lang))}</b>'),
             (t("cit.fact.received", lang), _e(_when(found["created_at"], lang))),
             (t("cit.fact.category", lang), _e(category)),
             (t("cit.fact.district", lang), _e(found["district"] or t("cit.fact.no_district", lang))),
             (t("cit.fact.opd", lang), _e(found["opd"] or "–"))]
    if found.get("title"):
        facts.insert(1, (t("cit.fact.title", lang), _e(found["title"])))
    facts_html = "".join(f"<dt>{_e(name)}</dt><dd>{value}</dd>" for name, value in facts)
    steps = "".join(
        f'<li><time>{_e(_when(e["at"], lang))}</time> — <b>{_e(status_label(e["status"], lang))}</b>'
        + (f"<br>{_e(e['note'])}" if e.get("note") else "") + "</li>" for e in found["events"])
    return f"""<section id="hasil" aria-labelledby="hasil-judul">
<h2 id="hasil-judul">{_e(t("cit.track.found", lang))}</h2>
<div class="card"><p>{_e(t(f"cit.status_help.{found['status']}", lang))}</p><dl class="facts">{facts_html}</dl></div>
<h2>{_e(t("cit.targets.title", lang))}</h2><p class="lead">{_e(t("cit.targets.lead", lang))}</p>
<div class="targets">{_target("response", found, lang)}{_target("resolution", found, lang)}</div>
<h2>{_e(t("cit.timeline.title", lang))}</h2><ol class="timeline">{steps}</ol>
</section>"""


# --- /publik/lapor ---------------------------------------------------------------------------------------------


def _options(items: Sequence[tuple[str, str]], chosen: str, placeholder: str) -> str:
    head = f'<option value="">{_e(placeholder)}</option>'
    return head + "".join(f'<option value="{_e(code)}"{" selected" if code == chosen else ""}>{_e(name)}</option>'
                          for code, name in items)


def _field_error(errors: Mapping[str, str], name: str, lang: str) -> str:
    return f'<p class="error" id="{name}-error">{_e(t(errors[name], lang))}</p>' if name in errors else ""


def _described(errors: Mapping[str, str], name: str, hint: bool = False) -> str:
    ids = [f"{name}-hint"] if hint else []
    if name in errors:
        ids.append(f"{name}-error")
    invalid = ' aria-invalid="true"' if name in errors else ""
    return (f' aria-describedby="{" ".join(ids)}"' if ids else "") + invalid


def _input(name: str, label: str, lang: str, values: Mapping[str, str], errors: Mapping[str, str], *,
           maxlength: int, kind: str = "text", hint: str | None = None, error_key: str | None = None,
           extra: str = "") -> str:
    """A labelled text input with its hint and its error, both tied to it for a screen reader."""
    error_key = error_key or name
    hint_html = f'<p class="hint" id="{name}-hint">{_e(hint)}</p>' if hint else ""
    ids = ([f"{name}-hint"] if hint else []) + ([f"{error_key}-error"] if error_key in errors else [])
    described = f' aria-describedby="{" ".join(ids)}"' if ids else ""
    invalid = ' aria-invalid="true"' if error_key in errors else ""
    error = _field_error(errors, name, lang) if error_key == name else ""
    return (f'<label for="{name}">{_e(label)}</label>{hint_html}{error}<input type="{kind}" id="{name}" '
            f'name="{name}" maxlength="{maxlength}" value="{_e(values.get(name, ""))}"{described}{invalid}{extra}>')


def report_form(lang: str, *, categories: Sequence[tuple[str, str]], districts: Sequence[tuple[str, str]],
                csrf: str, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> str:
    """The form: category and district from lists, what happened, where, and (optionally) how to call back."""
    values, errors = values or {}, errors or {}
    title = t("cit.report.title", lang)
    summary = ""
    if errors:
        items = "".join(f'<li><a href="#{_FIRST_INPUT.get(name, name)}">{_e(t(key, lang))}</a></li>'
                        for name, key in errors.items() if name != "form")
        general = f"<p>{_e(t(errors['form'], lang))}</p>" if "form" in errors else ""
        summary = (f'<section class="errors" aria-labelledby="errors-title"><h2 id="errors-title">'
                   f'{_e(t("cit.form.errors", lang))}</h2>{general}<ul>{items}</ul></section>')
    checked = " checked" if values.get("anonymous") else ""
    description = (f'<label for="description">{_e(t("cit.form.description", lang))}</label>'
                   f'<p class="hint" id="description-hint">'
                   f'{_e(t("cit.form.description.hint", lang, n=DESCRIPTION_MAX))}</p>'
                   f'{_field_error(errors, "description", lang)}'
                   f'<textarea id="description" name="description" required maxlength="{DESCRIPTION_MAX}"'
                   f'{_described(errors, "description", True)}>{_e(values.get("description", ""))}</textarea>')
    coordinate = {"maxlength": 24, "error_key": "coords", "extra": ' inputmode="decimal"'}
    body = f"""{_header(title, lang, _other("/publik/lapor", lang))}
<main>
<p class="promise">{_e(t("cit.report.lead", lang))}</p>
{summary}
<form class="plain" method="post" action="/publik/lapor" accept-charset="utf-8">
<input type="hidden" name="csrf" value="{_e(csrf)}"><input type="hidden" name="lang" value="{_e(lang)}">
<label for="category">{_e(t("cit.form.category", lang))}</label>{_field_error(errors, "category", lang)}
<select id="category" name="category" required{_described(errors, "category")}>
{_options(categories, values.get("category", ""), t("cit.form.choose", lang))}</select>
{description}
<label for="district">{_e(t("cit.form.district", lang))}</label>{_field_error(errors, "district", lang)}
<select id="district" name="district"{_described(errors, "district")}>
{_options(districts, values.get("district", ""), t("cit.form.district.none", lang))}</select>
{_input("address", t("cit.form.address", lang), lang, values, errors, maxlength=ADDRESS_MAX,
        hint=t("cit.form.address.hint", lang))}
<fieldset aria-describedby="coords-hint"><legend>{_e(t("cit.form.coords", lang))}</legend>
<p class="hint" id="coords-hint">{_e(t("cit.form.coords.hint", lang))}</p>{_field_error(errors, "coords", lang)}
<div class="pair"><div>{_input("lat", t("cit.form.lat", lang), lang, values, errors, **coordinate)}</div>
<div>{_input("lon", t("cit.form.lon", lang), lang, values, errors, **coordinate)}</div></div>
</fieldset>
<fieldset aria-describedby="contact-hint"><legend>{_e(t("cit.form.contact", lang))}</legend>
<p class="hint" id="contact-hint">{_e(t("cit.form.contact.hint", lang))}</p>
{_input("name", t("cit.form.name", lang), lang, values, errors, maxlength=NAME_MAX, extra=' autocomplete="name"')}
{_input("phone", t("cit.form.phone", lang), lang, values, errors, maxlength=PHONE_MAX, kind="tel",
        extra=' autocomplete="tel"')}
<label class="check" for="anonymous"><input type="checkbox" id="anonymous" name="anonymous" value="1"{checked}>
{_e(t("cit.form.anonymous", lang))}</label>
</fieldset>
<button type="submit">{_e(t("cit.form.submit", lang))}</button>
</form>
<p><a href="/publik/lacak{lang_query(lang)}">{_e(t("pub.citizen.track", lang))}</a></p>
</main>"""
    return document(title, body, lang)


# Where an error in the summary leads: the field to fix (the coordinates' error to the first of the pair).
_FIRST_INPUT = {"coords": "lat"}


def filed_page(lang: str, *, token: str, response_due, resolution_due) -> str:
    """The report was filed: its token, large and selectable, what happens next, and the link to follow it."""
    title = t("cit.filed.title", lang)
    track = "/publik/lacak?" + urlencode({"token": token, **({"lang": "en"} if lang == "en" else {})})
    body = f"""{_header(title, lang, _other("/publik/lacak", lang, token=token))}
<main>
<section class="card" aria-labelledby="token-title">
<h2 id="token-title">{_e(t("cit.filed.token", lang))}</h2>
<p class="token" id="filed-token">{_e(token)}</p>
<p>{_e(t("cit.filed.keep", lang))}</p>
<p>{_e(t("cit.filed.promise", lang, response=_when(response_due, lang), resolution=_when(resolution_due, lang)))}</p>
<p>{_e(t("cit.filed.howto", lang))}</p>
<p><a class="action" href="{_e(track)}">{_e(t("cit.filed.track", lang))}</a></p>
</section>
</main>"""
    return document(title, body, lang)
