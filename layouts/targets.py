"""A figure against its target, in words: one sentence for the wall's tiles, the briefing, its PDF and the monthly
report alike ("✓ memenuhi sasaran ≥ 90,0 %", "! di atas sasaran ≤ 0"). The verdict is said with a mark and words,
never by colour alone; core/measures.py decides it (direction, state)."""

from __future__ import annotations

from core import measures
from core.formatting import fmt_dec, fmt_int
from core.i18n import t


def number(column: str, value, lang: str, *, signed: bool = False) -> str:
    """A headline figure (or its change, ``signed``) as a tile shows it: percentages and hours to one decimal."""
    sign = "+" if signed and value is not None and value > 0 else ""
    if column in measures.PERCENT_KEYS or column in measures.HOUR_KEYS:
        text = sign + fmt_dec(value, 1, lang=lang)
        if signed:
            text += " " + t("change.points" if column in measures.PERCENT_KEYS else "change.hours", lang)
    else:
        text = sign + fmt_int(value, lang=lang)
    return text.replace("-", "−")  # the typographic minus reads across a room


def goal_text(column: str, target: float, lang: str) -> str:
    """"≥ 90,0 %", "≤ 24,0 jam", "≤ 0"."""
    better = "≥" if measures.DIRECTION[column] == measures.HIGHER else "≤"
    unit = " %" if column in measures.PERCENT_KEYS else " " + t("change.hours", lang) if column in \
        measures.HOUR_KEYS else ""
    return f"{better} {number(column, target, lang)}{unit}"


def target_text(column: str, value, target: float | None, lang: str) -> tuple[str, str | None]:
    """(the figure's target line, its state "on"/"off"/None): "✓ memenuhi sasaran ≥ 90,0 %", "! di bawah sasaran
    ≥ 90,0 %"; "sasaran ≥ 90,0 %" while the figure has no value; "" without a target."""
    if target is None or column not in measures.DIRECTION:
        return "", None
    goal = goal_text(column, target, lang)
    state = measures.target_state(column, value, target)
    if state is None:
        return f"{t('target.label', lang)} {goal}", None
    if state == "on":
        return f"✓ {t('target.on', lang)} {goal}", "on"
    word = "target.below" if measures.DIRECTION[column] == measures.HIGHER else "target.above"
    return f"! {t(word, lang)} {goal}", "off"
