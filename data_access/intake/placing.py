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


class WriterOnFirstUse:
    """The web's ReportWriter, built at the first report rather than at start-up: the boundaries take a moment to
    load and the store may be away when the server starts. Open311 and /publik/lapor each hold one."""

    def __init__(self, engine, settings: Settings) -> None:
        import threading

        self.engine, self.settings = engine, settings
        self._lock = threading.Lock()
        self._writer = None

    def __call__(self):
        from data_access.intake.writer import ReportWriter
        from data_access.rulebook.sla import work_calendar

        with self._lock:
            if self._writer is None:
                self._writer = ReportWriter(self.engine, work_calendar(self.settings), point_assigner(self.settings))
            return self._writer
