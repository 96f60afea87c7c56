"""While the wall's panels are being built (the warmer's first build on a big store takes seconds), a screen is
answered at once — never queued behind the build — and one that shows older panels than the newest built gets
those; one build runs at a time, so a store that changes faster than the panels build still reaches the screens."""

from __future__ import annotations

import threading

import pytest
from dash import no_update
from flask_caching import Cache

from callbacks import wall as wall_callbacks
from core.settings import Settings
from dashboard.cache import cache_config
from data_access.queries.cache import QueryCache
from tests.support import NOW
from tests.support.dash_app import url


class MovingStore(QueryCache):
    """The store version is whatever the test says: a change without writing a report."""

    moved = 0

    def version(self) -> str:
        return f"{super().version()}#{self.moved}"


@pytest.fixture
def world(seeded):
    settings = Settings(database_url=url(seeded), boundaries_districts=None)
    cache = Cache(config=cache_config(settings))
    from flask import Flask

    cache.init_app(Flask(__name__))
    query_cache = MovingStore(settings, cache, clock=lambda: NOW)
    yield query_cache, settings
    query_cache.engine.dispose()


def blocked_builds(monkeypatch, from_version: int):
    """build_panels blocks, for versions ≥ ``from_version``, until the returned event is set."""
    release, started = threading.Event(), threading.Event()
    real = wall_callbacks.build_panels
    release.builds = []  # the versions whose build started, in order

    def slow(query_cache, settings, version, *args, **kwargs):
        release.builds.append(version)
        if int(version.rsplit("#", 1)[1]) >= from_version:
            started.set()
            assert release.wait(30)
        return real(query_cache, settings, version, *args, **kwargs)

    monkeypatch.setattr(wall_callbacks, "build_panels", slow)
    return release, started


def answer_within(seconds: float, call):
    """``call()`` in a thread; its result, failing the test if it has not answered within ``seconds``."""
    out = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert out, f"no answer within {seconds} s: the screen waited for the build"
    return out[0]


def shows_data(outputs: list) -> bool:
    return any(value is not no_update for value in outputs)


def test_a_screen_is_answered_while_the_first_build_runs(world, monkeypatch):
    """The warmer's first build holds the panels' lock: a new screen gets "nothing new" at once, not a wait."""
    query_cache, settings = world
    release, started = blocked_builds(monkeypatch, 0)
    warmer = threading.Thread(target=wall_callbacks.warm_once, args=(query_cache, settings), daemon=True)
    warmer.start()
    assert started.wait(30)
    outputs = answer_within(5, lambda: wall_callbacks.refresh(query_cache, settings, None, None))
    assert not shows_data(outputs)
    release.set()
    warmer.join(30)
    assert shows_data(wall_callbacks.refresh(query_cache, settings, None, None))  # built: now it has data


def test_a_screen_gets_the_newest_built_panels_while_the_next_are_built(world, monkeypatch):
    """Version 1 is built; the store moves on and version 2's build is slow: a new screen gets version 1's panels
    at once, and a screen already showing them keeps them (204) instead of waiting."""
    query_cache, settings = world
    query_cache.moved = 1
    first = wall_callbacks.refresh(query_cache, settings, None, None)
    state = first[wall_callbacks.INDEX[(wall_callbacks.wall.STATE, "data")]]
    assert shows_data(first) and state["version"].endswith("#1")
    release, started = blocked_builds(monkeypatch, 2)
    query_cache.moved = 2
    builder = threading.Thread(target=wall_callbacks.warm_once, args=(query_cache, settings), daemon=True)
    builder.start()
    assert started.wait(30)
    fresh = answer_within(5, lambda: wall_callbacks.refresh(query_cache, settings, None, None))
    assert shows_data(fresh)
    assert fresh[wall_callbacks.INDEX[(wall_callbacks.wall.STATE, "data")]]["version"].endswith("#1")
    same = answer_within(5, lambda: wall_callbacks.refresh(query_cache, settings, state, None))
    assert not shows_data(same)
    query_cache.moved = 3  # the store moves on again while version 2 is still being built: no second build
    assert not shows_data(answer_within(5, lambda: wall_callbacks.refresh(query_cache, settings, state, None)))
    assert [v.rsplit("#", 1)[1] for v in release.builds] == ["2"]
    query_cache.moved = 2
    release.set()
    builder.join(30)
    newer = wall_callbacks.refresh(query_cache, settings, state, None)
    assert newer[wall_callbacks.INDEX[(wall_callbacks.wall.STATE, "data")]]["version"].endswith("#2")
