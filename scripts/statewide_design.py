"""The state-wide example's network: regions, hospitals, their sizes and demand, and the links.

A fictional state of about four million people, loosely shaped like a mid-sized western US
state: a metropolitan region with two academic (tertiary) centres, regions around a regional
tertiary centre, and frontier regions whose largest hospital is a community hospital. Each
region mixes critical-access hospitals (at most 25 beds, no ICU: patients needing intensive
care are transferred out), community hospitals and, where it has one, its tertiary centre.
Everything is drawn from one seeded random generator, so a size and a seed give the same
network. :func:`design` returns plain records; ``make_statewide.py`` writes them as YAML.

The sizing rules and their sources are written into the generated files' comments
(:data:`SOURCES`); the numbers below are those rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

REGION_NAMES = (
    "Metro",
    "Valley",
    "Coast",
    "South",
    "Central",
    "Gorge",
    "East",
    "High Desert",
    "Basin",
    "Lakes",
    "Ridge",
    "Delta",
)
TOWN_FIRST = (
    "Alder",
    "Bear",
    "Cedar",
    "Elk",
    "Fir",
    "Granite",
    "Hawk",
    "Iron",
    "Juniper",
    "Larch",
    "Maple",
    "Oak",
    "Pine",
    "Quail",
    "Raven",
    "Sage",
    "Timber",
    "Willow",
    "Aspen",
    "Birch",
    "Cougar",
    "Dove",
    "Fern",
    "Heron",
    "Lark",
)
TOWN_LAST = (
    "Creek",
    "Falls",
    "Ridge",
    "Valley",
    "Springs",
    "Crossing",
    "Bend",
    "Flats",
    "Harbor",
    "Point",
    "Hollow",
    "Grove",
)
SAINTS = ("Mary", "Vincent", "Luke", "Charles", "Joseph", "Anne", "Alphonsus", "Elizabeth")


@dataclass
class Hospital:
    """One hospital: where it is, how big, and how much external demand each unit gets."""

    id: str
    name: str
    region: str
    tier: str  # "tertiary", "community" or "cah"
    x_km: float
    y_km: float
    icu: int = 0
    stepdown: int = 0
    ward: int = 0
    ventilators: int = 0
    ecls: int = 0
    arrivals: dict[str, float] = field(default_factory=dict)

    @property
    def beds(self) -> int:
        """Staffed inpatient beds."""
        return self.icu + self.stepdown + self.ward

    @property
    def hub(self) -> bool:
        """Whether the hospital is a tertiary centre (the top of a region's referrals)."""
        return self.tier == "tertiary"


@dataclass(frozen=True)
class Link:
    """A two-way transfer link with its delay (hours) and transfers per day each way."""

    a: str
    b: str
    delay_h: float
    per_day: int


@dataclass
class Network:
    """The whole state: regions in order, hospitals in region order, links."""

    regions: list[str]
    hospitals: list[Hospital]
    links: list[Link]

    def in_region(self, region: str) -> list[Hospital]:
        """The hospitals of ``region``, largest first."""
        return [h for h in self.hospitals if h.region == region]


# Occupancy the demand is sized for (Little's law: arrivals = occupancy x beds / mean stay).
OCCUPANCY = {
    "tertiary": {"icu": 0.80, "ward": 0.82},
    "community": {"icu": 0.60, "ward": 0.74},
    "cah": {"ward": 0.45},
}
# Mean stays in days (the demand file's laws use the same means).
STAY_D = {
    "tertiary": {"icu": 4.0, "stepdown": 3.0, "ward": 5.0},
    "community": {"icu": 3.3, "ward": 4.4},
    "cah": {"ward": 3.0, "icu": 3.3},
}
# Routing between a hospital's units (the rest of each row leaves the hospital).
TERTIARY_NEXT = {
    "icu": {"stepdown": 0.30, "ward": 0.50},
    "stepdown": {"ward": 0.60, "icu": 0.05},
    "ward": {"icu": 0.012, "stepdown": 0.008},
}
COMMUNITY_NEXT = {"icu": {"ward": 0.80}, "ward": {"icu": 0.015}}
COMMUNITY_ICU_TURNED_AWAY = 0.07
CAH_ICU_TRANSFERS_PER_BED = (
    0.022  # needing intensive care per day per staffed bed (all transferred out)
)
GROUND_KMH, GROUND_DISPATCH_H = 70.0, 0.5
AIR_KMH, AIR_DISPATCH_H, AIR_BEYOND_KM = 250.0, 1.0, 200.0


def regions_for(hospitals: int) -> int:
    """6-8 regions for 40-80 hospitals; about one per 8.5 hospitals beyond."""
    return max(6, min(8, round(hospitals / 8.5))) if hospitals <= 80 else round(hospitals / 8.5)


def design(hospitals: int = 60, regions: int | None = None, seed: int = 2025) -> Network:
    """The state-wide network of ``hospitals`` hospitals in ``regions`` regions."""
    rng = np.random.default_rng(seed)
    regions = regions or regions_for(hospitals)
    names = _region_names(regions)
    counts = _hospitals_per_region(hospitals, regions, rng)
    towns = iter(_town_names(hospitals, rng))
    placed = []
    for r, (region, count) in enumerate(zip(names, counts)):
        placed += _region(r, region, count, regions, rng, towns)
    for h in placed:
        _size_demand(h)
    for region in names:
        _leave_room_for_referrals([h for h in placed if h.region == region])
    return Network(names, placed, _links(placed, names))


def _region_names(regions: int) -> list[str]:
    return [REGION_NAMES[i] if i < len(REGION_NAMES) else f"Region {i + 1}" for i in range(regions)]


def _town_names(count: int, rng: np.random.Generator) -> list[str]:
    """Invented town names, all different (numbered once every pairing is used)."""
    pairs = [f"{a} {b}" for a in TOWN_FIRST for b in TOWN_LAST]
    order = rng.permutation(len(pairs))
    return [
        pairs[order[i % len(pairs)]] + ("" if i < len(pairs) else f" {i // len(pairs) + 1}")
        for i in range(count)
    ]


def _hospitals_per_region(hospitals: int, regions: int, rng: np.random.Generator) -> list[int]:
    """The metro region holds about a fifth of the hospitals, the others share the rest."""
    weights = np.concatenate(([2.0], rng.uniform(0.8, 1.2, regions - 1)))
    counts = np.maximum(3, np.floor(hospitals * weights / weights.sum())).astype(int)
    for i in np.argsort(-weights)[: hospitals - counts.sum()]:
        counts[i] += 1
    while counts.sum() > hospitals:
        counts[np.argmax(counts)] -= 1
    return counts.tolist()


def _tiers(r: int, regions: int, count: int) -> list[str]:
    """Metro: two tertiary centres, few critical-access hospitals; frontier regions (the last
    two): no tertiary centre and mostly critical-access hospitals; others: one of each kind at
    the top and about 40% critical access (CMS critical-access hospitals are about a third
    of US community hospitals, more in rural western states)."""
    frontier = r >= regions - 2 and regions >= 5
    tertiary = 2 if r == 0 else 0 if frontier else 1
    cah_share = 0.15 if r == 0 else 0.6 if frontier else 0.4
    cah = min(count - tertiary - 1, round((count - tertiary) * cah_share))
    return ["tertiary"] * tertiary + ["community"] * (count - tertiary - cah) + ["cah"] * cah


def _region(
    r: int, region: str, count: int, regions: int, rng: np.random.Generator, towns
) -> list[Hospital]:
    angle = 2 * math.pi * (r - 1) / max(regions - 1, 1)
    cx, cy = (0.0, 0.0) if r == 0 else (260 * math.cos(angle), 170 * math.sin(angle))
    spread = 35.0 if r == 0 else 90.0
    out = []
    for i, tier in enumerate(_tiers(r, regions, count)):
        dx, dy = (0.0, 0.0) if i == 0 else rng.normal(0.0, spread, 2)
        town = next(towns)
        h = Hospital(
            f"{_slug(region)}{i + 1:02d}",
            _hospital_name(tier, town, region, r, i),
            region,
            tier,
            round(cx + dx, 1),
            round(cy + dy, 1),
        )
        _size(h, rng, r, i)
        out.append(h)
    return out


def _slug(region: str) -> str:
    """``metro``, ``desert`` (High Desert), ``r13`` (Region 13): the stem of hospital ids."""
    last = "".join(c for c in region.lower().split()[-1] if c.isalnum())
    return f"r{last}" if last.isdigit() else last


def _hospital_name(tier: str, town: str, region: str, r: int, i: int) -> str:
    if tier == "tertiary":
        return (
            f"{region} University Hospital"
            if i == 0
            else f"St. {SAINTS[(r + i) % len(SAINTS)]} Medical Center"
        )
    return f"{town} {'Community Hospital' if tier == 'community' else 'Critical Access Hospital'}"


def _size(h: Hospital, rng: np.random.Generator, r: int, i: int) -> None:
    """Beds, ICU beds and devices by tier (see SOURCES in make_statewide.py)."""
    if h.tier == "tertiary":
        beds = int(rng.integers(520, 620) if r == 0 and i == 0 else rng.integers(300, 440))
        h.icu = round(beds * rng.uniform(0.13, 0.16))
        h.stepdown = round(beds * 0.045)
        h.ward = beds - h.icu - h.stepdown
        h.ventilators = round(0.8 * h.icu)
        h.ecls = (6 if i == 0 else 3) if r == 0 else (3 if r == 1 else 0)
    elif h.tier == "community":
        beds = int(np.clip(round(rng.lognormal(math.log(110), 0.45)), 45, 280))
        h.icu = max(4, round(beds * rng.uniform(0.08, 0.11)))
        h.ward = beds - h.icu
        h.ventilators = max(2, round(0.6 * h.icu))
    else:
        h.ward = int(rng.integers(12, 26))


def _size_demand(h: Hospital) -> None:
    """External arrivals per day per unit so that the targets of OCCUPANCY hold (Little's law,
    internal moves included)."""
    occupancy, stay = OCCUPANCY[h.tier], STAY_D[h.tier]
    if h.tier == "cah":
        h.arrivals = {
            "ward": occupancy["ward"] * h.ward / stay["ward"],
            "icu": CAH_ICU_TRANSFERS_PER_BED * h.ward,
        }
        return
    flow_icu = occupancy["icu"] * h.icu / stay["icu"]
    flow_ward = occupancy["ward"] * h.ward / stay["ward"]
    if h.tier == "tertiary":
        flow_sdu = (
            TERTIARY_NEXT["icu"]["stepdown"] * flow_icu
            + TERTIARY_NEXT["ward"]["stepdown"] * flow_ward
        )
        into_icu = (
            TERTIARY_NEXT["ward"]["icu"] * flow_ward + TERTIARY_NEXT["stepdown"]["icu"] * flow_sdu
        )
        into_ward = (
            TERTIARY_NEXT["icu"]["ward"] * flow_icu + TERTIARY_NEXT["stepdown"]["ward"] * flow_sdu
        )
    else:
        into_icu = COMMUNITY_NEXT["ward"]["icu"] * flow_ward
        into_ward = COMMUNITY_NEXT["icu"]["ward"] * flow_icu
    h.arrivals = {"icu": max(0.05, flow_icu - into_icu), "ward": max(0.1, flow_ward - into_ward)}


def _leave_room_for_referrals(region: list[Hospital]) -> None:
    """A tertiary centre's ICU also takes the region's transfers in: every critical-access
    patient needing intensive care and the share of community ICU patients turned away (about
    7% at the occupancy above); its own admissions are reduced by as many (to at most 40% less)."""
    hubs = [h for h in region if h.hub]
    if not hubs:
        return
    inflow = sum(
        h.arrivals.get("icu", 0.0) * (1.0 if h.tier == "cah" else COMMUNITY_ICU_TURNED_AWAY)
        for h in region
        if not h.hub
    )
    for hub in hubs:
        own = hub.arrivals["icu"]
        hub.arrivals["icu"] = max(0.6 * own, own - inflow / len(hubs))


def distance_km(a: Hospital, b: Hospital) -> float:
    """Straight-line distance between two hospitals."""
    return math.hypot(a.x_km - b.x_km, a.y_km - b.y_km)


def transfer_hours(km: float) -> float:
    """Door-to-door transfer time: ground ambulance (road ~1.3x the straight line at 70 km/h,
    plus the wait for a crew), or fixed-wing/rotor beyond 200 km; to the quarter hour."""
    ground = 1.3 * km / GROUND_KMH + GROUND_DISPATCH_H
    air = km / AIR_KMH + AIR_DISPATCH_H
    hours = min(ground, air) if km > AIR_BEYOND_KM else ground
    return max(0.5, round(hours * 4) / 4)


def _links(hospitals: list[Hospital], regions: list[str]) -> list[Link]:
    """Each hospital to its region's hub and its nearest hospital with an ICU; hubs to the
    two nearest other hubs and to the metro centres (state-wide referral)."""
    hubs = {
        r: max((h for h in hospitals if h.region == r), key=lambda h: (h.hub, h.beds))
        for r in regions
    }
    found: dict[tuple[str, str], Link] = {}

    def add(a: Hospital, b: Hospital, per_day: int) -> None:
        key = tuple(sorted((a.id, b.id)))
        if a.id != b.id and key not in found:
            found[key] = Link(key[0], key[1], transfer_hours(distance_km(a, b)), per_day)

    for h in hospitals:
        hub = hubs[h.region]
        add(h, hub, 3 if h.tier == "cah" else 6)
        with_icu = [
            o
            for o in hospitals
            if o.region == h.region and o.icu > 0 and o.id not in (h.id, hub.id)
        ]
        if with_icu:
            add(h, min(with_icu, key=lambda o: distance_km(h, o)), 3 if h.tier == "cah" else 4)
    metro = [h for h in hospitals if h.region == regions[0] and h.hub]
    for hub in hubs.values():
        others = sorted(
            (o for o in hubs.values() if o is not hub), key=lambda o: distance_km(hub, o)
        )
        for other in others[:2] + metro:
            add(hub, other, 4)
    return sorted(found.values(), key=lambda link: (link.a, link.b))
