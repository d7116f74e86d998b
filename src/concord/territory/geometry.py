"""Just enough planar geometry for GeoJSON boundaries: validation, bounding boxes, point-in-polygon.

Boundaries are small (a grid is a few hundred metres across), so lng/lat as plane coordinates is exact
enough for containment tests.
"""

from collections.abc import Iterator
from typing import Any

Ring = list[list[float]]


class GeometryError(ValueError):
    pass


def _polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    if not isinstance(geometry, dict):
        raise GeometryError("not a GeoJSON object")
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords
    else:
        raise GeometryError(f"expected a Polygon or MultiPolygon, got {kind!r}")
    if not isinstance(polygons, list) or not polygons:
        raise GeometryError("no coordinates")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError("a polygon has no rings")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise GeometryError("a ring needs at least four positions")
            for pos in ring:
                if (
                    not isinstance(pos, list | tuple)
                    or len(pos) < 2
                    or not all(isinstance(v, int | float) for v in pos[:2])
                ):
                    raise GeometryError("a position must be [longitude, latitude]")
                if not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
                    raise GeometryError("a position lies outside longitude/latitude range")
            if list(ring[0][:2]) != list(ring[-1][:2]):
                raise GeometryError("a ring must end where it starts")
    return polygons


def normalise(geometry: dict[str, Any]) -> dict[str, Any]:
    """Validate and return the bare geometry (a Feature is unwrapped)."""
    _polygons(geometry)
    return geometry.get("geometry") if geometry.get("type") == "Feature" else geometry


def _positions(geometry: dict[str, Any]) -> Iterator[list[float]]:
    for polygon in _polygons(geometry):
        for ring in polygon:
            yield from ring


def bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min_lng, min_lat, max_lng, max_lat)."""
    lngs, lats = zip(*((p[0], p[1]) for p in _positions(geometry)), strict=True)
    return min(lngs), min(lats), max(lngs), max(lats)


def _in_ring(lng: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict[str, Any], lng: float, lat: float) -> bool:
    """True when the point lies inside the outer ring of a polygon and outside its holes."""
    for polygon in _polygons(geometry):
        outer, *holes = polygon
        if _in_ring(lng, lat, outer) and not any(_in_ring(lng, lat, h) for h in holes):
            return True
    return False


def rectangle(
    min_lng: float, min_lat: float, max_lng: float, max_lat: float, digits: int = 6
) -> dict[str, Any]:
    """A closed rectangular Polygon, counter-clockwise as RFC 7946 asks of outer rings."""
    a, b, c, d = (round(v, digits) for v in (min_lng, min_lat, max_lng, max_lat))
    return {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]}
