"""Where a service is, drawn on the server as a small SVG, from the postcode data we ship.

No external tile server: the app must work offline and leak no visitor's address to a third
party. What we ship is ``data/uk-postcode-district-centroids.csv`` (OGL), the centre of each
postcode district, so the map is a **diagram**, not a street map: the service (or each result,
numbered as in the list) as a point among the nearby postcode districts' centres, each labelled
with its district, and a scale bar. It shows how far a place is from districts a family knows
("between B15 and B16, about a mile from B5"); it does not show streets, boundaries or routes,
and a district's centre is only roughly where its people live. Pages always put the text
address beside it, and the SVG is one image (``role="img"``) whose text alternative names the
points and their addresses.

The projection is equirectangular around the map's centre (longitude scaled by the cosine of
the latitude): within a few tens of miles in Britain it is within 1 % of the true distances,
so the scale bar holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from providers.postcodes import MILES_PER_DEGREE_LATITUDE, district_centres

WIDTH = 600
HEIGHT = 360
MARGIN = 24
# How far apart (in SVG units) two district labels must be to both be drawn, and how far a
# district's label must be from a marked point.
LABEL_SPACING = 64
POINT_SPACING = 30
MAX_DISTRICTS = 24
NICE_MILES = (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100)


@dataclass(frozen=True)
class MapPoint:
    """A place to mark: its label (a number or a name), what the text alternative says about it, and where it is."""

    label: str
    description: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    label: str


@dataclass
class AreaMap:
    """What the ``providers/_map.html`` macro draws: coordinates in SVG units (0..WIDTH, 0..HEIGHT)."""

    title: str
    description: str
    points: list[Mark] = field(default_factory=list)
    districts: list[Mark] = field(default_factory=list)
    scale_width: float = 0.0
    scale_label: str = ""
    width: int = WIDTH
    height: int = HEIGHT


def _is_geographic(district: str) -> bool:
    """Non-geographic districts (``B99``, ``BS98``: PO boxes and sorting offices) would mislead on a map."""
    digits = district.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")[-2:]
    return digits not in ("98", "99")


def draw_map(points: list[MapPoint], *, title: str, at_least_miles: float = 3.0) -> AreaMap | None:
    """The map of ``points`` (at least ``at_least_miles`` across each way), or None with no points."""
    if not points:
        return None
    lats = [p.latitude for p in points]
    lons = [p.longitude for p in points]
    centre_lat, centre_lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    miles_per_lon = MILES_PER_DEGREE_LATITUDE * math.cos(math.radians(centre_lat))

    def miles(lat: float, lon: float) -> tuple[float, float]:
        return (lon - centre_lon) * miles_per_lon, (centre_lat - lat) * MILES_PER_DEGREE_LATITUDE

    spread = [miles(p.latitude, p.longitude) for p in points]
    half_width = max(at_least_miles / 2, *(abs(x) for x, _ in spread)) * 1.15
    half_height = max(at_least_miles / 2, *(abs(y) for _, y in spread)) * 1.15
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    units_per_mile = min(inner_w / (2 * half_width), inner_h / (2 * half_height))

    def project(lat: float, lon: float) -> tuple[float, float]:
        x, y = miles(lat, lon)
        return round(WIDTH / 2 + x * units_per_mile, 1), round(HEIGHT / 2 + y * units_per_mile, 1)

    marks = [Mark(*project(p.latitude, p.longitude), p.label) for p in points]
    districts: list[Mark] = []
    nearby = []
    for name, (lat, lon) in district_centres().items():
        x, y = project(lat, lon)
        if MARGIN <= x <= WIDTH - MARGIN and MARGIN <= y <= HEIGHT - MARGIN and _is_geographic(name):
            nearby.append(((x - WIDTH / 2) ** 2 + (y - HEIGHT / 2) ** 2, name, x, y))
    for _, name, x, y in sorted(nearby):
        if len(districts) >= MAX_DISTRICTS:
            break
        clear_of_districts = all((x - m.x) ** 2 + (y - m.y) ** 2 >= LABEL_SPACING**2 for m in districts)
        clear_of_points = all((x - m.x) ** 2 + (y - m.y) ** 2 >= POINT_SPACING**2 for m in marks)
        if clear_of_districts and clear_of_points:
            districts.append(Mark(x, y, name))
    scale_miles = max((m for m in NICE_MILES if m * units_per_mile <= WIDTH / 4), default=NICE_MILES[0])
    scale_label = f"{scale_miles:g} mile{'' if scale_miles == 1 else 's'}"
    named = ", ".join(d.label for d in districts)
    where = "; ".join(p.description for p in points)
    description = f"{where}. Postcode districts nearby: {named}." if named else f"{where}."
    return AreaMap(
        title=title,
        description=description,
        points=marks,
        districts=districts,
        scale_width=round(scale_miles * units_per_mile, 1),
        scale_label=scale_label,
    )
