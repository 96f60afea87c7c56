"""The point-in-district assigner every way in places reports with (Open311, /publik/lapor, the command line)."""

from __future__ import annotations

from core.settings import Settings


def point_assigner(settings: Settings):
    """The boundaries' PointAssigner, or None when no boundary file is configured. Loading takes a moment: call
    it once, when the first report needs it."""
    if settings.boundaries_districts is None:
        return None
    from data_access.store.reference import districts
    from geo.assign import PointAssigner

    return PointAssigner.from_files(settings.boundaries_districts, settings.boundaries_villages,
                                    known_district_codes={d.code for d in districts()})
