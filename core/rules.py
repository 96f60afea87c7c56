"""The rule book's plain words: which statuses run the clock, which are not held against an OPD, what makes a
district remote, and the SLA rules as plain-Python twins of data_access/rulebook/rules.py for builders and tests.

README "SLA rules (the rule book)" says the same in prose; data_access/rulebook/rules.py says it in SQL.
"""

from __future__ import annotations

from datetime import datetime

# SP4N-LAPOR! statuses
STATUSES = (
    "baru", "diverifikasi", "didisposisikan", "diproses", "ditunda", "selesai", "ditutup", "ditolak", "diarsipkan",
)
HELD = "ditunda"  # on hold: the clock stops
CLOCK_RUNNING = ("baru", "diverifikasi", "didisposisikan", "diproses")
OPEN_STATUSES = (*CLOCK_RUNNING, HELD)
FINISHED_STATUSES = ("selesai", "ditutup")
EXCLUDED_STATUSES = ("ditolak", "diarsipkan")  # not held against an OPD; their share is shown beside compliance

# How a district is reached. Anything but a road makes it remote: the briefing marks it, the wall flags it.
ROAD = "jalan"
REMOTE_ACCESS = ("sungai", "laut", "udara")


def is_remote(access: object) -> bool:
    """A district reached by river, sea or air (not by road); unknown access counts as road."""
    return isinstance(access, str) and access in REMOTE_ACCESS


def is_overdue(status: str, due: datetime | None, done: datetime | None, held_since: datetime | None,
               now: datetime) -> bool:
    """Open and past ``due`` without ``done``, the clock running — or on hold since after the due time passed
    (a hold begun after a due time hides no breach)."""
    if due is None or done is not None or due >= now:
        return False
    if status in CLOCK_RUNNING:
        return True
    return status == HELD and held_since is not None and due < held_since


def compliance(status: str, due: datetime | None, done: datetime | None, held_since: datetime | None,
               now: datetime) -> str:
    """``met`` (done by the due time), ``missed`` (done late, or silent past it — unless on hold since before
    it), ``pending`` (not yet decided) or ``excluded`` (rejected or archived)."""
    if status in EXCLUDED_STATUSES:
        return "excluded"
    if due is None:
        return "pending"
    if done is not None:
        return "met" if done <= due else "missed"
    if due >= now:
        return "pending"
    if status == HELD and (held_since is None or held_since <= due):
        return "pending"  # the clock stopped before the due time
    return "missed"
