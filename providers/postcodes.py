"""UK postcodes: validate, normalise and locate at their district's centroid, offline.

The centroids come from ``data/uk-postcode-district-centroids.csv`` (OGL, see the
ATTRIBUTION file beside it), read once on first use. Northern Ireland (BT), the Channel
Islands and the Isle of Man are not in it, so they are "unknown" here.

``normalise_postcode("b152tt") == "B15 2TT"``; a bare district (``"B15"``) is accepted
too. Distances are in miles on a sphere of the Earth's mean radius.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

from providers.errors import UnknownPostcode

DATA_FILE = Path(__file__).parent / "data" / "uk-postcode-district-centroids.csv"
EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.093

# Outward code (district) then an optional inward code: A9, A99, AA9, AA99, A9A, AA9A.
_DISTRICT = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_POSTCODE = re.compile(rf"^(?P<district>{_DISTRICT})(?P<inward>[0-9][A-Z]{{2}})?$")


@dataclass(frozen=True)
class Place:
    postcode: str
    district: str
    latitude: float
    longitude: float


@functools.cache
def _centroids() -> dict[str, tuple[float, float]]:
    with DATA_FILE.open(newline="", encoding="utf-8") as f:
        return {row["district"]: (float(row["latitude"]), float(row["longitude"])) for row in csv.DictReader(f)}


def district_centres() -> dict[str, tuple[float, float]]:
    """Every district's centre, ``{"B15": (latitude, longitude)}`` (read once, shared: do not change it)."""
    return _centroids()


def normalise_postcode(raw: str, *, field: str = "postcode") -> tuple[str, str]:
    """``(postcode, district)`` in the standard form, or :class:`UnknownPostcode` if malformed."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    match = _POSTCODE.match(compact)
    if match is None:
        raise UnknownPostcode.for_field(field, f"Enter a real postcode, like B15 2TT or B15 (you entered {raw.strip()[:12]!r})")
    district, inward = match.group("district"), match.group("inward")
    return (f"{district} {inward}" if inward else district), district


def locate(raw: str, *, field: str = "postcode") -> Place:
    """Where a postcode is (its district's centroid); :class:`UnknownPostcode` if malformed or unknown."""
    postcode, district = normalise_postcode(raw, field=field)
    found = _centroids().get(district)
    if found is None:
        raise UnknownPostcode.for_field(
            field, f"We do not know where the postcode {postcode} is. Check it, or try a nearby postcode in England."
        )
    return Place(postcode=postcode, district=district, latitude=found[0], longitude=found[1])


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def bounding_box(latitude: float, longitude: float, miles: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lon, max_lon)`` enclosing a circle of ``miles`` around a point."""
    dlat = miles / MILES_PER_DEGREE_LATITUDE
    dlon = miles / (MILES_PER_DEGREE_LATITUDE * max(0.01, math.cos(math.radians(latitude))))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def describe_distance(miles: float) -> str:
    """Rounded for people: a district centroid is only roughly where someone lives."""
    if miles < 1:
        return "less than a mile"
    rounded = round(miles)
    return "about 1 mile" if rounded == 1 else f"about {rounded} miles"
