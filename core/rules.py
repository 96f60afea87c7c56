"""The rule book's plain words: which statuses run the clock, which are not held against an OPD, what makes a
district remote.

README "SLA rules (the rule book)" says the same in prose; data_access/rulebook/rules.py says it in SQL (the tests'
plain-Python twins of those rules are in tests/support/rule_twins.py).
"""

from __future__ import annotations

# SP4N-LAPOR! statuses
STATUSES = (
    "baru", "diverifikasi", "didisposisikan", "diproses", "ditunda", "selesai", "ditutup", "ditolak", "diarsipkan",
)
NEW = "baru"  # not yet answered: every move from here is the citizen's first response
HELD = "ditunda"  # on hold: the clock stops
CLOCK_RUNNING = ("baru", "diverifikasi", "didisposisikan", "diproses")
OPEN_STATUSES = (*CLOCK_RUNNING, HELD)
FINISHED_STATUSES = ("selesai", "ditutup")
EXCLUDED_STATUSES = ("ditolak", "diarsipkan")  # not held against an OPD; their share is shown beside compliance

# The place of reports without a district (no location, or a point outside the regency) in every per-district
# table: counted as a row of its own, so the districts and it add up to the totals.
NO_DISTRICT = "luar"

# How a district is reached. Anything but a road makes it remote: the briefing marks it, the wall flags it.
ROAD = "jalan"
REMOTE_ACCESS = ("sungai", "laut", "udara")


def is_remote(access: object) -> bool:
    """A district reached by river, sea or air (not by road); unknown access counts as road."""
    return isinstance(access, str) and access in REMOTE_ACCESS

