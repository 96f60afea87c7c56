"""Tests for geo: boundary loading and validation, point assignment, tile grid, choropleth classes, display GeoJSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from core.settings import boundaries_file
from geo.assign import UNKNOWN, PointAssigner
from geo.boundaries import BoundaryError, find_display_boundaries, load_boundaries
from geo.choropleth import class_breaks, classify
from geo.simplify import to_display_geojson
from geo.tilegrid import GRID_COLS, GRID_ROWS, TILE_POSITIONS, tile_positions

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "mimika"
REFERENCE = REPO / "data_access" / "store" / "reference"
BBOX = (134.885, -5.218, 137.971, -3.957)  # regency outline, from the data README


@pytest.fixture(scope="module")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"real Mimika boundaries not found at {DATA} (expected ../shared/data/mimika beside the repo)")
    return DATA


@pytest.fixture(scope="module")
def ref_districts() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "districts.csv", dtype={"code": str})


@pytest.fixture(scope="module")
def ref_villages() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "villages.csv", dtype={"code": str, "district_code": str})


@pytest.fixture(scope="module")
def districts(data_dir, ref_districts) -> gpd.GeoDataFrame:
    return load_boundaries(data_dir / "districts.geojson", known_codes=ref_districts["code"])


@pytest.fixture(scope="module")
def villages(data_dir, ref_villages) -> gpd.GeoDataFrame:
    return load_boundaries(data_dir / "villages.geojson", level="village", known_codes=ref_villages["code"])


@pytest.fixture(scope="module")
def assigner(districts, villages) -> PointAssigner:
    return PointAssigner(districts, villages)


def _write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _feature(code: str, geometry: dict | None, name: str = "x") -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


SQUARE = {"type": "Polygon", "coordinates": [[
    [136.0, -4.0], [136.1, -4.0], [136.1, -4.1], [136.0, -4.1], [136.0, -4.0]
]]}


# --- loading the real files ------------------------------------------------------------------------------------------


def test_all_18_districts_load_with_reference_codes_and_names(districts, ref_districts):
    """The real district file loads to exactly the 18 reference codes and names, in EPSG:4326 with the fixed columns."""
    assert list(districts.columns) == ["code", "name", "geometry"]
    assert districts.crs.to_epsg() == 4326
    assert len(districts) == 18
    merged = ref_districts.merge(districts, on="code", suffixes=("_ref", ""))
    assert len(merged) == 18 and (merged["name"] == merged["name_ref"]).all()


def test_all_152_villages_load_with_reference_codes_and_districts(villages, ref_villages):
    """The real village file loads to the 152 reference villages, and district_code matches the reference."""
    assert list(villages.columns) == ["code", "name", "district_code", "geometry"]
    assert len(villages) == 152
    merged = ref_villages.merge(villages, on="code", suffixes=("_ref", ""))
    assert len(merged) == 152
    assert (merged["district_code"] == merged["district_code_ref"]).all()
    assert (merged["name"] == merged["name_ref"]).all()


def test_default_paths_point_at_the_shared_files(data_dir, monkeypatch):
    """Without BOUNDARIES_DIR the finders return the shared full-detail and simplified files; with it, that folder."""
    monkeypatch.delenv("BOUNDARIES_DIR", raising=False)
    assert boundaries_file("districts.geojson") == data_dir / "districts.geojson"
    assert boundaries_file("villages.geojson") == data_dir / "villages.geojson"
    assert find_display_boundaries() == data_dir / "districts_simplified.geojson"
    monkeypatch.setenv("BOUNDARIES_DIR", str(data_dir / "no-such-folder"))
    assert boundaries_file("districts.geojson") is None and find_display_boundaries() is None


# --- assigning points ------------------------------------------------------------------------------------------------


def test_timika_town_is_in_mimika_baru(assigner):
    """A point in the town of Timika goes to 94.04.01 Mimika Baru, with a village of that district."""
    district, village = assigner.assign_one(136.888, -4.546)
    assert district == "94.04.01"
    assert village is not None and village.startswith("94.04.01.")


def test_kelurahan_wania_is_in_mimika_timur_not_district_wania(assigner, villages):
    """A point inside Kelurahan Wania (94.04.03.1001) goes to district Mimika Timur 94.04.03, not district Wania."""
    point = villages.set_index("code").geometry["94.04.03.1001"].representative_point()
    assert assigner.assign_one(point.x, point.y) == ("94.04.03", "94.04.03.1001")


def test_sea_nan_and_garbage_give_none_and_keep_length_and_order(assigner):
    """Points at sea, NaN, None and non-numbers become (None, None) while every row is kept in its order."""
    lons = [136.888, 136.5, float("nan"), 136.888, None, "abc", 136.888]
    lats = [-4.546, -5.1, -4.546, float("nan"), -4.546, -4.546, -4.546]
    result = assigner.assign(lons, lats)
    assert list(result.columns) == ["district_code", "village_code"]
    assert result["district_code"].tolist() == ["94.04.01", None, None, None, None, None, "94.04.01"]
    assert result["village_code"].isna().tolist() == [False, True, True, True, True, True, False]
    assert result["district_code"].iloc[1] is None  # None itself, not NaN, so callers can count "outside"


def test_series_input_keeps_its_index(assigner):
    """Assigning a Series keeps the caller's index, so the result joins straight back to the reports."""
    lons = pd.Series([136.5, 136.888], index=[42, 7])
    lats = pd.Series([-5.1, -4.546], index=[42, 7])
    result = assigner.assign(lons, lats)
    assert result.index.tolist() == [42, 7]
    assert result.loc[7, "district_code"] == "94.04.01" and result.loc[42, "district_code"] is None


def test_point_on_shared_border_gets_the_lowest_code():
    """A point exactly on the edge (or corner) shared by several districts gets exactly one: the lowest code."""
    frame = gpd.GeoDataFrame(
        {"code": ["94.04.09", "94.04.02", "94.04.05"], "name": ["b", "a", "c"]},
        geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1), box(0, 1, 2, 2)],
        crs="EPSG:4326",
    )
    for grid_min_points in (None, 0):
        assigner = PointAssigner(frame, grid_min_points=grid_min_points)
        result = assigner.assign([1.0, 1.0, 1.5, 0.5, 3.0], [0.5, 1.0, 1.0, 0.5, 3.0])
        assert result["district_code"].tolist() == ["94.04.02", "94.04.02", "94.04.05", "94.04.02", None]


def test_overlapping_polygons_give_the_lowest_code_with_or_without_grid():
    """Where polygons overlap (the source data has small slivers), the lowest code wins, also via the cached grid."""
    frame = gpd.GeoDataFrame(
        {"code": ["94.04.09", "94.04.02"], "name": ["b", "a"]}, geometry=[box(0, 0, 2, 2), box(1, 1, 3, 3)], crs=4326
    )
    lons, lats = [0.5, 1.5, 1.75, 2.5], [0.5, 1.5, 1.25, 2.5]
    for grid_min_points in (None, 0):
        result = PointAssigner(frame, grid_min_points=grid_min_points).assign(lons, lats)
        assert result["district_code"].tolist() == ["94.04.09", "94.04.02", "94.04.02", "94.04.02"]


def test_real_shared_border_vertex_gets_one_district(districts):
    """A vertex on the real border of Mimika Baru and Wania is assigned once, to the lower code 94.04.01."""
    geoms = districts.set_index("code").geometry
    shared = shapely.get_coordinates(geoms["94.04.16"].boundary)
    on_both = [xy for xy in shared if geoms["94.04.01"].intersects(shapely.Point(xy))]
    assert on_both, "expected Mimika Baru and Wania to share border vertices"
    lon, lat = on_both[0]
    assert PointAssigner(districts).assign_one(lon, lat) == ("94.04.01", None)


def test_bulk_assignment_agrees_with_slow_contains_reference(assigner, districts, villages):
    """100,000 random points in the regency bbox: the bulk result equals a plain `contains` loop on 500 of them."""
    rng = np.random.default_rng(20261123)
    lons = rng.uniform(BBOX[0], BBOX[2], 100_000)
    lats = rng.uniform(BBOX[1], BBOX[3], 100_000)
    result = assigner.assign(lons, lats)
    assert len(result) == 100_000
    assert 0.2 < result["district_code"].notna().mean() < 0.8  # the bbox is part land, part sea and neighbours
    d_sorted = districts.sort_values("code")
    v_sorted = villages.sort_values("code")
    for i in rng.choice(100_000, 500, replace=False):
        point = shapely.Point(lons[i], lats[i])
        in_districts = [c for c, g in zip(d_sorted["code"], d_sorted.geometry, strict=True) if g.contains(point)]
        expected_district = in_districts[0] if in_districts else None
        in_villages = [
            c for c, g in zip(v_sorted["code"], v_sorted.geometry, strict=True)
            if g.contains(point) and c.startswith(f"{expected_district}.")
        ]
        assert result["district_code"].iloc[i] == expected_district, (i, lons[i], lats[i])
        assert result["village_code"].iloc[i] == (in_villages[0] if in_villages else None), (i, lons[i], lats[i])


def test_grid_shortcut_gives_the_same_answer_as_the_tree(districts, villages):
    """The cached grid used for big batches changes nothing: same result as querying the STRtree for every point."""
    rng = np.random.default_rng(7)
    # Half spread over the bbox, half packed into Timika where kelurahan are small and borders dense.
    lons = np.concatenate([rng.uniform(BBOX[0], BBOX[2], 30_000), rng.normal(136.88, 0.03, 30_000)])
    lats = np.concatenate([rng.uniform(BBOX[1], BBOX[3], 30_000), rng.normal(-4.55, 0.03, 30_000)])
    with_grid = PointAssigner(districts, villages, grid_min_points=0).assign(lons, lats)
    tree_only = PointAssigner(districts, villages, grid_min_points=None).assign(lons, lats)
    pd.testing.assert_frame_equal(with_grid, tree_only)


def test_grid_classifies_only_the_cells_points_fall_in_and_agrees_in_small_batches(districts, villages):
    """An import asks for the grid and assigns 5,000 points at a time: each batch classifies the cells it newly
    touches, a point in an unclassified cell is never answered from stale cells, and the answers equal the tree's."""
    rng = np.random.default_rng(11)
    towns = np.array([(136.88, -4.55), (136.05, -4.55), (137.2, -4.2)])
    picks = towns[rng.integers(0, len(towns), 20_000)]
    lons, lats = picks[:, 0] + rng.normal(0, 0.02, 20_000), picks[:, 1] + rng.normal(0, 0.02, 20_000)
    lons[::97], lats[::97] = np.nan, np.nan  # no location
    lazy = PointAssigner(districts, villages, grid_min_points=None)
    lazy.build_grids()
    parts = [lazy.assign(lons[i:i + 5000], lats[i:i + 5000]) for i in range(0, 20_000, 5000)]
    tree_only = PointAssigner(districts, villages, grid_min_points=None).assign(lons, lats)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), tree_only)
    grid = lazy._districts._grid
    classified = np.count_nonzero(grid.cells != UNKNOWN)
    assert 0 < classified < grid.nx * grid.ny / 20  # three towns, not the regency


def test_village_code_always_belongs_to_the_district(assigner):
    """Even where source polygons overlap, a village code always starts with the district code it came with."""
    rng = np.random.default_rng(3)
    result = assigner.assign(rng.normal(136.88, 0.2, 20_000), rng.normal(-4.6, 0.2, 20_000)).dropna()
    assert (result["village_code"].str[:8] == result["district_code"]).all()


def test_from_files_builds_an_assigner(data_dir, ref_districts):
    """from_files loads and validates both layers and assigns like the hand-built assigner."""
    assigner = PointAssigner.from_files(
        data_dir / "districts.geojson", data_dir / "villages.geojson", known_district_codes=ref_districts["code"]
    )
    assert sorted(assigner._districts.codes) == sorted(ref_districts["code"])  # all 18 loaded
    assert assigner.assign_one(136.888, -4.546)[0] == "94.04.01"


def test_village_outside_the_district_layer_is_rejected(districts, villages):
    """A village whose district is missing from the district layer is refused when building the assigner."""
    with pytest.raises(BoundaryError, match=r"code '94\.04\.02\.\d{4}'.*94\.04\.02 is not in the district layer"):
        PointAssigner(districts[districts["code"] != "94.04.02"], villages)


# --- other formats and CRSs ------------------------------------------------------------------------------------------


def test_reprojected_geopackage_and_shapefile_load_back_to_wgs84(districts, tmp_path):
    """Districts written as a GeoPackage in EPSG:3857 and a UTM shapefile load back in EPSG:4326 with the same codes."""
    gpkg = tmp_path / "districts.gpkg"
    districts.to_crs(3857).to_file(gpkg, driver="GPKG")
    shp = tmp_path / "districts.shp"
    districts.rename(columns={"code": "KDEPUM", "name": "NAMOBJ"}).to_crs(32753).to_file(shp)
    original = districts.set_index("code").geometry
    for path in (gpkg, shp):
        loaded = load_boundaries(path)
        assert loaded.crs.to_epsg() == 4326
        assert sorted(loaded["code"]) == sorted(districts["code"])
        assert set(loaded["name"]) == set(districts["name"])
        back = loaded.set_index("code").geometry
        assert np.allclose(back.bounds.loc[original.index], original.bounds, atol=1e-6)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_shapefile_without_crs(districts, tmp_path):
    """A file without CRS is taken as lon/lat when its coordinates fit, and refused when they are projected metres."""
    lonlat = tmp_path / "lonlat.shp"
    districts.set_crs(None, allow_override=True).to_file(lonlat)
    assert load_boundaries(lonlat).crs.to_epsg() == 4326
    metres = tmp_path / "metres.shp"
    districts.to_crs(32753).set_crs(None, allow_override=True).to_file(metres)
    with pytest.raises(BoundaryError, match=r"metres\.shp: feature #0 \(code '94\.04\.01'\): .*no CRS"):
        load_boundaries(metres)


# --- rejected files --------------------------------------------------------------------------------------------------


def test_bow_tie_polygon_is_rejected_naming_the_feature(tmp_path):
    """A self-intersecting (bow-tie) polygon raises BoundaryError naming the file, feature, code and GEOS reason."""
    bow_tie = {"type": "Polygon", "coordinates": [[[136.0, -4.0], [136.1, -4.1], [136.1, -4.0], [136.0, -4.1],
                                                   [136.0, -4.0]]]}
    path = _write_geojson(tmp_path / "bad.geojson", [_feature("94.04.01", SQUARE), _feature("94.04.02", bow_tie)])
    with pytest.raises(BoundaryError, match=r"bad\.geojson: feature #1 \(code '94\.04\.02'\).*Self-intersection"):
        load_boundaries(path)


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([], "no features"),
        ([_feature("94.04.01", SQUARE), _feature("94.04.02", None)], r"#1 \(code '94\.04\.02'\).*missing"),
        ([_feature("94.04.01", {"type": "Point", "coordinates": [136.0, -4.0]})], "Point, not a Polygon"),
        ([_feature("94.04.01", SQUARE), _feature("94.04.01", SQUARE)], r"#1 .*duplicated \(also feature #0\)"),
        ([_feature("94.04.03.1001", SQUARE)], "is not a district code"),
        ([_feature("", SQUARE)], "#0: the code is empty"),
    ],
    ids=["empty", "no-geometry", "point", "duplicate", "village-as-district", "empty-code"],
)
def test_bad_features_are_rejected(tmp_path, features, message):
    """Empty files, missing or non-polygonal geometry, duplicated and malformed codes each raise BoundaryError."""
    with pytest.raises(BoundaryError, match=message):
        load_boundaries(_write_geojson(tmp_path / "bad.geojson", features))


def test_unknown_code_is_rejected_with_known_codes(tmp_path, ref_districts):
    """A code not in known_codes (say a future 94.04.19) raises BoundaryError naming it; without the list it loads."""
    path = _write_geojson(tmp_path / "new.geojson", [_feature("94.04.01", SQUARE), _feature("94.04.19", SQUARE)])
    with pytest.raises(BoundaryError, match=r"#1 \(code '94\.04\.19'\): unknown district code"):
        load_boundaries(path, known_codes=ref_districts["code"])
    assert load_boundaries(path)["code"].tolist() == ["94.04.01", "94.04.19"]


def test_missing_code_column_is_rejected(tmp_path):
    """A file without any recognised code column raises BoundaryError listing the columns it has."""
    path = tmp_path / "nocode.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "94.04.01"}, "geometry": SQUARE}]}))
    with pytest.raises(BoundaryError, match="no code column"):
        load_boundaries(path)


def test_missing_and_unreadable_files_give_one_line_errors(tmp_path):
    """A missing file or a file that is not geodata raises a one-line BoundaryError, not a pyogrio traceback."""
    with pytest.raises(BoundaryError, match="not found") as missing:
        load_boundaries(tmp_path / "nope.geojson")
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("this is not json")
    with pytest.raises(BoundaryError, match="cannot read boundary file") as unreadable:
        load_boundaries(garbage)
    for error in (missing, unreadable):
        assert "\n" not in str(error.value) and str(tmp_path) in str(error.value)


# --- tile grid -------------------------------------------------------------------------------------------------------


def test_tile_grid_has_18_unique_cells_laid_out_like_the_map(ref_districts):
    """Each of the 18 districts has its own cell on the 8x4 grid, west-east and north-south as on the map."""
    assert set(TILE_POSITIONS) == set(ref_districts["code"])
    assert len(set(TILE_POSITIONS.values())) == 18
    assert all(0 <= c < GRID_COLS and 0 <= r < GRID_ROWS for c, r in TILE_POSITIONS.values())
    col = {code: c for code, (c, _) in TILE_POSITIONS.items()}
    row = {code: r for code, (_, r) in TILE_POSITIONS.items()}
    assert col["94.04.11"] == 0 and col["94.04.05"] == col["94.04.18"] == GRID_COLS - 1  # MBJ west; Jita, Alama east
    assert all(row[c] == 0 for c in ("94.04.06", "94.04.14", "94.04.18", "94.04.10"))  # highlands north
    assert all(row[c] == GRID_ROWS - 1 for c in ("94.04.04", "94.04.08", "94.04.07", "94.04.05"))  # coast south
    timika = {TILE_POSITIONS[c] for c in ("94.04.01", "94.04.16", "94.04.09", "94.04.13")}
    assert len({c for c, _ in timika}) == 2 and len({r for _, r in timika}) == 2  # a 2x2 block


def test_tile_positions_places_new_districts_on_free_cells(ref_districts):
    """A 19th district without a fixed tile goes to a free cell near its label point; known ones keep theirs."""
    new = pd.DataFrame({"code": ["94.04.19"], "name": ["Mimika Gunung"], "label_lat": [-4.10], "label_lon": [137.30]})
    positions = tile_positions(pd.concat([ref_districts, new], ignore_index=True))
    assert len(positions) == 19 and len(set(positions.values())) == 19
    assert {c: positions[c] for c in TILE_POSITIONS} == TILE_POSITIONS
    col, row = positions["94.04.19"]
    assert (col, row) not in TILE_POSITIONS.values()
    assert 0 <= col < GRID_COLS and row <= 1 and math.dist((col, row), TILE_POSITIONS["94.04.14"]) <= 1.5


def test_tile_positions_never_run_out_of_cells():
    """Even with more districts than cells, every district gets a distinct cell (the grid widens)."""
    frame = pd.DataFrame({"code": [f"94.04.{i:02d}" for i in range(1, 41)], "label_lat": -4.5, "label_lon": 136.9})
    positions = tile_positions(frame)
    assert len(positions) == 40 and len(set(positions.values())) == 40


# --- choropleth classes ----------------------------------------------------------------------------------------------


def test_class_breaks_handle_empty_equal_and_nan():
    """Breaks are [] for no data, a single edge for all-equal values, and ignore NaN/None."""
    assert class_breaks([]) == [] and class_breaks([np.nan, None]) == []
    assert class_breaks([4, 4, 4]) == [4.0]
    assert classify(4, [4.0]) == 0
    breaks = class_breaks([np.nan, *range(11), None], k=5)
    assert breaks == pytest.approx([0, 2, 4, 6, 8, 10])
    assert breaks == sorted(set(breaks))


def test_classify_puts_values_in_classes_and_nan_in_no_data():
    """classify maps values to 0..k-1 (edges inclusive above) and NaN/None to None, distinct from zero."""
    breaks = [0.0, 2.0, 4.0, 10.0]
    assert [classify(v, breaks) for v in (0, 1, 2, 3, 10, 99, -1)] == [0, 0, 0, 1, 2, 2, 0]
    assert classify(float("nan"), breaks) is None and classify(None, breaks) is None
    assert classify(5, []) is None
    skewed = class_breaks([0] * 15 + [3, 40, 900])  # most districts with no complaints
    assert len(skewed) < 6 and classify(0, skewed) == 0 and classify(900, skewed) == len(skewed) - 2


# --- display GeoJSON -------------------------------------------------------------------------------------------------


def test_display_geojson_is_compact_and_rounded(data_dir):
    """The display GeoJSON keeps 18 features with only code and name, 5-decimal coordinates, and stays small."""
    gdf = load_boundaries(data_dir / "districts_simplified.geojson")
    collection = to_display_geojson(gdf)
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 18
    assert all(set(f["properties"]) == {"code", "name"} and f["id"] == f["properties"]["code"]
               for f in collection["features"])
    coords = np.concatenate([shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))
                             for f in collection["features"]])
    assert np.allclose(coords, np.round(coords, 5), atol=1e-12)
    text = json.dumps(collection, separators=(",", ":"))
    assert len(text) < 100_000
    assert all(shapely.geometry.shape(f["geometry"]).is_valid for f in collection["features"])


def test_display_geojson_from_full_detail_and_other_crs(districts):
    """Full-detail or projected input is simplified and sent in lon/lat, smaller than the source."""
    collection = to_display_geojson(districts.to_crs(32753), tolerance=0.001)
    lons = shapely.get_coordinates(shapely.geometry.shape(collection["features"][0]["geometry"]))[:, 0]
    assert BBOX[0] - 0.01 < lons.min() and lons.max() < BBOX[2] + 0.01
    assert len(json.dumps(collection)) < len(json.dumps(json.loads(districts.to_json())))


def test_bow_tie_geometry_helper_is_really_invalid():
    """Guard for the bow-tie test: the shape used there is indeed invalid to shapely."""
    assert not Polygon([(136.0, -4.0), (136.1, -4.1), (136.1, -4.0), (136.0, -4.1)]).is_valid


def test_fixed_class_edges_are_nice_distinct_and_keep_zero_apart():
    """Counts: zero alone, then nice whole edges; rates: nice edges from 0; never two classes on one edge."""
    from geo.choropleth import class_ranges, fixed_class_edges, fixed_classify, nice_number

    counts = fixed_class_edges([0, 0, 1, 3, 4, 4, 5, 6, 6, 7, 13, 14, 21, 23, 35, 49, 82, 166, 347])
    assert counts[:2] == [0.0, 1.0] and counts == sorted(set(counts)) and len(counts) <= 5
    assert all(nice_number(e, integer=True) == e for e in counts[1:])
    ranges = class_ranges(counts)
    assert ranges[0] == (0.0, 0.0) and ranges[-1][1] is None
    assert all(high + 1 == next_low for (_, high), (next_low, _) in zip(ranges, ranges[1:], strict=False))
    assert [fixed_classify(v, counts) for v in (0, 1, 10**6)] == [0, 1, len(counts) - 1]
    assert fixed_classify(None, counts) is None and fixed_classify(float("nan"), counts) is None
    assert fixed_class_edges([]) == [0.0, 1.0] and fixed_class_edges([0, 0]) == [0.0, 1.0]
    rates = fixed_class_edges([1.2, 3.4, 5.5, 20.1, 80.3], integer=False)
    assert rates[0] == 0.0 and rates == sorted(set(rates))
    # a rate shown as 4,9 is in the class below the edge 5; one shown as 5,0 (4.96) in the class from 5
    if 5.0 in rates:
        i = rates.index(5.0)
        assert fixed_classify(4.94, rates, 0.1) == i - 1 and fixed_classify(4.96, rates, 0.1) == i
