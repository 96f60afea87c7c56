"""Fixtures the store's import tests share."""

from __future__ import annotations

import pytest

from tests.support import SHARED_DATA


@pytest.fixture(scope="module")
def assigner():
    """Districts and villages from the shared Mimika boundaries, with the reference data's district codes."""
    if not (SHARED_DATA / "districts.geojson").exists():
        pytest.skip("the shared Mimika boundaries are not there")
    from data_access.store.reference import districts
    from geo.assign import PointAssigner

    return PointAssigner.from_files(SHARED_DATA / "districts.geojson", SHARED_DATA / "villages.geojson",
                                    known_district_codes={d.code for d in districts()})
