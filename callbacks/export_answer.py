"""The pages' export callbacks, registered by one helper: two buttons (one per kind of file) and a page config in,
a download or a message on the status line out.

What every export shares lives here: which button fired, the person's language, and the answer: the file (its making
written to the access log) or, when it could not be made (the store away, a period refused, the person's export
already running, past its budget or failed), the reason on the page instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dash
from dash import Dash, Input, Output, State, no_update

from callbacks.export_runner import ExportRefused
from callbacks.page_data import PageData, client_address, page_config, store_down
from callbacks.viewer import current_viewer
from core.i18n import t
from data_access.accounts import Viewer, log_access
from data_access.store.engine import StoreUnavailable
from layouts import components as c

# make(viewer, kind, config, *state values) -> (download, access log target, access log detail)
MakeFile = Callable[..., tuple]


class NotMade(Exception):
    """The export was not made; ``status`` is what the page's status line says instead."""

    def __init__(self, status) -> None:
        super().__init__()
        self.status = status


def refuse_bad_period(data: PageData, lang: str) -> None:
    """A period outside the bounds: say so with the filter's reason, and make nothing (never the whole store)."""
    if data.error is not None:
        raise NotMade(c.error_banner(t("export.refused_filter", lang, reason=data.error.text(lang))))


def export_callback(app: Dash, engine, *, download: str, status: str, buttons: tuple[tuple[str, str], ...],
                    config: str, make: MakeFile, states: Sequence[State] = (), shared_status: bool = True) -> None:
    """Register the callback of two export buttons, ``buttons`` = ((kind, button id), (kind, button id)).

    ``make(viewer, kind, config, *values of states)`` makes the file and returns (download, log target, log detail);
    it raises NotMade, ExportRefused or StoreUnavailable when it cannot. ``states`` come before the page config.
    ``shared_status``: the status line is the page's own, which its refresh writes too.
    """
    (first_kind, first_button), (second_kind, second_button) = buttons

    @app.callback(Output(download, "data"), Output(status, "children", allow_duplicate=shared_status),
                  Input(first_button, "n_clicks"), Input(second_button, "n_clicks"), *states, State(config, "data"),
                  prevent_initial_call=True)
    def export(first_clicks, second_clicks, *values):
        kind = first_kind if dash.ctx.triggered_id == first_button else second_kind
        if not (first_clicks if kind == first_kind else second_clicks):
            return no_update, no_update
        *values, raw_config = values
        checked = page_config(raw_config)
        return answer(engine, checked["lang"], lambda viewer: make(viewer, kind, checked, *values))


def answer(engine, lang: str, make: Callable[[Viewer], tuple]) -> tuple:
    """(download, status) for ``make(viewer)``: the file, logged as the viewer's export, or why there is none."""
    viewer = current_viewer()
    try:
        file, target, detail = make(viewer)
    except NotMade as stopped:
        return no_update, stopped.status
    except StoreUnavailable as exc:
        return no_update, store_down(lang, exc)
    except ExportRefused as refused:
        return no_update, c.error_banner(t(refused.key, lang))
    log_access(engine, viewer.name, "export", target, address=client_address(), detail=detail)
    return file, None
