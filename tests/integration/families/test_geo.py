"""Geo commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import pytest

from .oracle import both, raises_both, write_both

pytestmark = pytest.mark.families

SICILY = (13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania")
MORE = (12.758489, 38.788135, "edge1", 17.241510, 38.788135, "edge2")


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_places(client):  # type: ignore[no-untyped-def]
    await client.geoadd("g", SICILY + MORE)


async def test_geoadd_counts_added_or_changed_places(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, nothing, "geoadd", "g", SICILY) == 2
    assert await write_both(pair, with_places, "geoadd", "g", [13.0, 38.0, "Palermo", 1, 2, "new"]) == 1
    assert await write_both(pair, with_places, "geoadd", "g", [13.0, 38.0, "Palermo", 1, 2, "new"], ch=True) == 2
    assert await write_both(pair, with_places, "geoadd", "g", [13.0, 38.0, "Palermo", 1, 2, "new"], nx=True) == 1
    assert await write_both(pair, with_places, "geoadd", "g", (13.0, 38.0, "Palermo", 1, 2, "new"), xx=True) == 0
    assert await write_both(pair, with_places, "geoadd", "g", [13.0, 38.0, "Palermo"], xx=True, ch=True) == 1


async def test_geodist_is_a_float_or_none(pair):  # type: ignore[no-untyped-def]
    await with_places(pair[0])
    assert await both(pair, "geodist", "g", "Palermo", "Catania") == pytest.approx(166274.1516)
    for unit in ("m", "km", "mi", "ft"):
        assert isinstance(await both(pair, "geodist", "g", "Palermo", "Catania", unit), float)
    assert await both(pair, "geodist", "g", "Palermo", "Palermo") == 0.0
    assert await both(pair, "geodist", "g", "Palermo", "nowhere") is None
    assert await both(pair, "geodist", "missing", "a", "b", None) is None


async def test_geohash_is_str_and_geopos_float_tuples(pair):  # type: ignore[no-untyped-def]
    await with_places(pair[0])
    assert await both(pair, "geohash", "g", "Palermo", "nowhere", "Catania") == ["sqc8b49rny0", None, "sqdtr74hyu0"]
    assert await both(pair, "geohash", "missing", "a") == [None]
    positions = await both(pair, "geopos", "g", "Palermo", "nowhere", "edge2")
    assert positions[0] == pytest.approx((13.361389, 38.115556), abs=1e-5)
    assert positions[1] is None
    assert await both(pair, "geopos", "missing", "a", "b") == [None, None]


WITH_OPTIONS = [
    {},
    {"withdist": True},
    {"withcoord": True},
    {"withhash": True},
    {"withdist": True, "withhash": True},
    {"withdist": True, "withcoord": True, "withhash": True},
    {"withcoord": True, "withhash": True, "sort": "DESC"},
    {"withdist": True, "count": 2, "sort": "ASC"},
    {"withdist": True, "count": 1, "any": True},
]


@pytest.mark.parametrize("options", WITH_OPTIONS, ids=lambda o: "-".join(o) or "plain")
async def test_georadius_and_georadiusbymember_reply_shapes(pair, options):  # type: ignore[no-untyped-def]
    await with_places(pair[0])
    found = await both(pair, "georadius", "g", 15, 37, 200, "km", **options)
    assert found
    await both(pair, "georadius", "g", 15, 37, 200000, **options)
    await both(pair, "georadius", "g", 0, 0, 1, "mi", **options)  # nothing there: []
    await both(pair, "georadiusbymember", "g", "Palermo", 300, "km", **options)
    await both(pair, "georadiusbymember", "g", "Palermo", 1000, "ft", **options)


@pytest.mark.parametrize("options", WITH_OPTIONS, ids=lambda o: "-".join(o) or "plain")
async def test_geosearch_reply_shapes(pair, options):  # type: ignore[no-untyped-def]
    await with_places(pair[0])
    assert await both(pair, "geosearch", "g", longitude=15, latitude=37, radius=200, unit="km", **options)
    await both(pair, "geosearch", "g", member="Palermo", radius=300, unit="KM", **options)
    await both(pair, "geosearch", "g", member="Palermo", width=400, height=400, unit="km", **options)
    await both(pair, "geosearch", "g", longitude=15, latitude=37, width=2, height=2, **options)
    assert await both(pair, "geosearch", "missing", longitude=15, latitude=37, radius=2, **options) == []


async def test_georadius_store_returns_the_count(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_places, "georadius", "g", 15, 37, 200, "km", store="dest") == 2
    assert await both(pair, "zcard", "dest") == 2
    assert await write_both(pair, with_places, "georadius", "g", 15, 37, 200, "km", store_dist="dest") == 2
    assert await both(pair, "zscore", "dest", "Catania") == pytest.approx(56.4413)
    assert await write_both(pair, with_places, "georadiusbymember", "g", "Palermo", 300, "km", store="d") == 3


async def test_geosearchstore_returns_the_count(pair):  # type: ignore[no-untyped-def]
    args = ("dest", "g")
    assert (
        await write_both(pair, with_places, "geosearchstore", *args, longitude=15, latitude=37, radius=200, unit="km")
        == 2
    )
    assert (
        await write_both(pair, with_places, "geosearchstore", *args, member="Palermo", width=400, height=400, unit="km")
        == 3
    )
    stored = await write_both(
        pair, with_places, "geosearchstore", *args, member="Palermo", radius=300, unit="km", storedist=True, count=2
    )
    assert stored == 2
    assert await both(pair, "zscore", "dest", "Palermo") == 0.0
    assert await write_both(pair, with_places, "geosearchstore", *args, longitude=0, latitude=0, radius=1) == 0
    assert await write_both(pair, nothing, "geosearchstore", *args, longitude=0, latitude=0, radius=1, sort="asc") == 0


async def test_bad_geo_arguments_raise_data_error_before_sending(pair):  # type: ignore[no-untyped-def]
    for args, kwargs in [
        (("geoadd", "g", SICILY), {"nx": True, "xx": True}),
        (("geoadd", "g", SICILY[:4]), {}),
        (("geodist", "g", "a", "b", "yards"), {}),
        (("geodist", "g", "a", "b", "KM"), {}),
        (("georadius", "g", 1, 2, 3, "yards"), {}),
        (("georadius", "g", 1, 2, 3), {"any": True}),
        (("georadius", "g", 1, 2, 3), {"sort": "asc"}),
        (("georadius", "g", 1, 2, 3), {"sort": "UP"}),
        (("georadius", "g", 1, 2, 3), {"store": "a", "store_dist": "b"}),
        (("georadiusbymember", "g", "m", 3, "yards"), {}),
        (("georadiusbymember", "g", "m", 3), {"store": "a", "store_dist": "b"}),
        (("geosearch", "g"), {"radius": 1}),
        (("geosearch", "g"), {"longitude": 1, "radius": 1}),
        (("geosearch", "g"), {"member": "m", "longitude": 1, "latitude": 2, "radius": 1}),
        (("geosearch", "g"), {"member": "m"}),
        (("geosearch", "g"), {"member": "m", "width": 1}),
        (("geosearch", "g"), {"member": "m", "radius": 1, "unit": None}),
        (("geosearch", "g"), {"member": "m", "radius": 1, "unit": "yards"}),
        (("geosearch", "g"), {"member": "m", "radius": 1, "width": 1, "height": 1}),
        (("geosearch", "g"), {"member": "m", "radius": 1, "sort": "up"}),
        (("geosearch", "g"), {"member": "m", "radius": 1, "any": True}),
        (("geosearch", "g"), {"member": "m", "radius": 1, "count": 0, "any": True}),
        (("geosearchstore", "d", "g"), {"radius": 1}),
        (("geosearchstore", "d", "g"), {"member": "m", "radius": 1, "any": True}),
    ]:
        await raises_both(pair, "DataError", *args, **kwargs)


async def test_server_rejections_are_response_errors(pair):  # type: ignore[no-untyped-def]
    await with_places(pair[0])
    await pair[0].set("s", "text")
    await raises_both(pair, "ResponseError", "geoadd", "g", [200, 100, "off the map"])
    await raises_both(pair, "ResponseError", "geopos", "s", "a")
    await raises_both(pair, "ResponseError", "georadiusbymember", "g", "nowhere", 10)
    await raises_both(pair, "ResponseError", "geosearch", "g", member="nowhere", radius=10)
    await raises_both(pair, "ResponseError", "geosearch", "g", member="Palermo", radius=0)  # no BY...: syntax
