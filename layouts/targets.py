"""A figure against its target, in words: one sentence for the wall's tiles, the briefing, its PDF and the monthly
report alike ("✓ memenuhi sasaran ≥ 90 %", "! di atas sasaran ≤ 0"). The verdict is said with a mark and words,
never by colour alone; core/measures.py decides it (direction, state)."""

from __future__ import annotations

from core import measures
from core.formatting import fmt_dec, fmt_int
from core.i18n import t


def number(column: str, value, lang: str, *, signed: bool = False, points: bool = True) -> str:
    """A headline figure (or its change, ``signed``) as a tile shows it: percentages and hours to one decimal.
    ``points`` False leaves a percentage's change bare (a wall tile's one line has no room for "poin")."""
    sign = "+" if signed and value is not None and value > 0 else ""
    if column in measures.PERCENT_KEYS or column in measures.HOUR_KEYS:
        text = sign + fmt_dec(value, 1, lang=lang)
        if signed and (points or column in measures.HOUR_KEYS):
            text += " " + t("change.points" if column in measures.PERCENT_KEYS else "change.hours", lang)
    else:
        text = sign + fmt_int(value, lang=lang)
    return text.replace("-", "−")  # the typographic minus reads across a room


def goal_text(column: str, target: float, lang: str) -> str:
    """"≥ 90 %", "≤ 24 jam", "≤ 0"."""
    better = "≥" if measures.DIRECTION[column] == measures.HIGHER else "≤"
    unit = " %" if column in measures.PERCENT_KEYS else " " + t("change.hours", lang) if column in \
        measures.HOUR_KEYS else ""
    shown = fmt_int(target, lang=lang) if float(target).is_integer() else number(column, target, lang)
    return f"{better} {shown}{unit}"


def target_text(column: str, value, target: float | None, lang: str, *, short: bool = False
                ) -> tuple[str, str | None]:
    """(the figure's target line, its state "on"/"off"/None): "✓ memenuhi sasaran ≥ 90 %", "! di bawah sasaran
    ≥ 90 %"; "sasaran ≥ 90 %" while the figure has no value; "" without a target. ``short`` (a wall tile's one
    line): the mark says the verdict, "✓ sasaran ≥ 90 %", "! sasaran ≥ 90 %"."""
    if target is None or column not in measures.DIRECTION:
        return "", None
    goal = goal_text(column, target, lang)
    state = measures.target_state(column, value, target)
    if state is None:
        return f"{t('target.label', lang)} {goal}", None
    if short:
        return f"{'✓' if state == 'on' else '!'} {t('target.label', lang)} {goal}", state
    if state == "on":
        return f"✓ {t('target.on', lang)} {goal}", "on"
    word = "target.below" if measures.DIRECTION[column] == measures.HIGHER else "target.above"
    return f"! {t(word, lang)} {goal}", "off"
