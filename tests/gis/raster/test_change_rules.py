"""Pure rules of change detection: strips cover the grid, patches cut by strip edges are
joined again, the change measure is chosen from band names, tile options parse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rasterio.crs import CRS
from rasterio.transform import from_origin

from gis.errors import InvalidInput
from gis.raster import change, tiles
from tests.gis.raster.conftest import Site, write_image


def _grid(width: int, height: int) -> change.Grid:
    return change.Grid(CRS.from_epsg(4547), from_origin(0, 0, 1, 1), width, height)


@given(st.integers(1, 3000), st.integers(1, 3000), st.integers(1, 6))
def test_strips_cover_the_grid_once(width: int, height: int, bands: int) -> None:
    windows = list(change.strips(_grid(width, height), bands))
    assert windows[0].row_off == 0
    assert sum(w.height for w in windows) == height
    assert all(w.width == width for w in windows)
    assert all(
        a.row_off + a.height == b.row_off for a, b in zip(windows, windows[1:], strict=False)
    )


def test_patches_cut_by_strip_edges_are_joined(
    site: Site,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    before = write_image(tmp_path / "a.tif", site, [], seed=1)
    after = write_image(tmp_path / "b.tif", site, [site.illegal, site.approved], seed=2)
    measure = change.Measure("ndvi", red=3, nir=4)
    _, whole = change.detect(before, after, measure, 0.2, 0.0, 10**9)
    monkeypatch.setattr(change, "STRIP_BYTES", site.width * 4 * 4 * 3)  # 3 rows per strip
    _, cut = change.detect(before, after, measure, 0.2, 0.0, 10**9)
    assert len(whole) == len(cut) == 2
    for a, b in zip(
        sorted(whole, key=lambda p: p.area_m2), sorted(cut, key=lambda p: p.area_m2), strict=True
    ):
        assert b.area_m2 == pytest.approx(a.area_m2, rel=1e-6)
        assert b.mean_change == pytest.approx(a.mean_change, rel=1e-4)
        assert b.geom.equals_exact(a.geom, 1e-9) or b.geom.symmetric_difference(a.geom).area < 1e-12


def _bands(*names: str) -> list[dict]:
    stats = {"minimum": 0.0, "maximum": 100.0, "mean": 50.0, "stddev": 10.0, "count": 9}
    return [{"name": n, "statistics": stats} for n in names]


def test_measure_is_ndvi_only_with_red_and_nir_in_both() -> None:
    ndvi = change.choose_measure(_bands("blue", "red", "nir"), _bands("blue", "red", "nir"))
    assert (ndvi.method, ndvi.red, ndvi.nir) == ("ndvi", 2, 3)
    diff = change.choose_measure(_bands("red", "green", "blue"), _bands("red", "green", "blue"))
    assert diff.method == "band_difference" and diff.ranges == [100.0, 100.0, 100.0]
    with pytest.raises(InvalidInput) as err:
        change.choose_measure(_bands("red", "nir"), _bands("red"))
    assert err.value.field == "after_id"


def test_change_values_ndvi_and_band_difference() -> None:
    a = np.array([[[800.0]], [[4000.0]]], dtype="float32")  # red, nir: vegetation
    b = np.array([[[2500.0]], [[2800.0]]], dtype="float32")  # built up
    value, ok = change.change_values(a, b, change.Measure("ndvi", red=1, nir=2))
    assert ok.all() and value[0, 0] == pytest.approx(300 / 5300 - 3200 / 4800, abs=1e-6)
    value, _ = change.change_values(a, b, change.Measure("band_difference", ranges=[2000, 4000]))
    assert value[0, 0] == pytest.approx(1700 / 2000)  # the larger of +0.85 and -0.3
    zero = np.zeros((2, 1, 1), dtype="float32")
    _, ok = change.change_values(zero, zero, change.Measure("ndvi", red=1, nir=2))
    assert not ok.any()  # 0/0 NDVI is undefined, never a change


@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(0.001, 1e6))
def test_rescale_parses_any_increasing_pair(lo: float, width: float) -> None:
    style = tiles.parse_style(None, f"{lo!r},{lo + width!r}", None, None)
    assert style.rescale == ((lo, lo + width),)


@pytest.mark.parametrize("bad", ["1", "a,b", "5,5", "1,2,3"])
def test_rescale_refuses_bad_values(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        tiles.parse_style(None, bad, None, None)
    assert err.value.field == "rescale"


def test_hillshade_of_a_flat_plane_is_uniform() -> None:
    flat = np.full((10, 10), 5.0)
    shade = tiles.hillshade(flat, 30.0)
    assert (
        shade.shape == (8, 8)
        and np.ptp(shade) == 0
        and shade[0, 0] == int(np.sin(np.radians(45)) * 255)
    )
