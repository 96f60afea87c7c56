"""The one place callbacks learn who is asking: the viewer the guard (dashboard/auth.py) took from the
server-side session. Never from a URL, a callback input or a store in the browser."""

from __future__ import annotations

from flask import g, has_request_context

from data_access.accounts import ANONYMOUS, Viewer
from data_access.rulebook.scope import Scope


def current_viewer() -> Viewer:
    """The viewer of this request; anonymous outside a request or when the guard did not admit anyone."""
    if not has_request_context():
        return ANONYMOUS
    return getattr(g, "viewer", ANONYMOUS)


def current_scope() -> Scope:
    return current_viewer().scope()


def opd_scope(code: str) -> Scope | None:
    """The viewer's scope narrowed to one OPD, or None when that OPD is not theirs to see."""
    scope = current_scope()
    if not scope.may_see_opd(code):
        return None
    return Scope(frozenset({code}), scope.personal_data, f"{scope.name}|opd:{code}", scope.see_anonymous,
                 scope.public)
