"""Colours shared by the QGIS styles, the HTML map and the report charts (hex ``#rrggbb``)."""

from __future__ import annotations

RESOURCE_COLOURS: dict[str, str] = {
    "heat": "#d7301f",
    "electricity": "#fdae61",
    "wood_residues": "#8c510a",
    "wood_fibre": "#bf812d",
    "insulation": "#dfc27d",
    "construction_surplus": "#969696",
    "spent_grain": "#e6ab02",
    "food_waste": "#66a61e",
    "fish_residues": "#1f78b4",
    "manure": "#6a3d00",
    "digestate": "#4d9221",
    "biogas": "#b2df8a",
    "ash": "#525252",
    "sand": "#e5c494",
    "metal_scrap": "#5e3c99",
    "plastics": "#e7298a",
    "mixed_plastics": "#f781bf",
    "pallets": "#a6761d",
    "paper": "#80b1d3",
    "water": "#2c7fb8",
    "nutrient_water": "#41b6c4",
    "vegetables": "#1b9e77",
    "fruit_berries": "#c51b7d",
    "potatoes": "#b8860b",
    "fish": "#084081",
    "insect_protein": "#d95f02",
    "feed": "#7570b3",
    "eggs": "#ffd92f",
    "ethanol": "#a6cee3",
    "fridges": "#8dd3c7",
    "co2": "#636363",
    "insect_feedstock": "#fc8d62",
}
SECTOR_COLOURS: dict[str, str] = {
    "energy": "#e41a1c",
    "agriculture": "#4daf4a",
    "forestry": "#1b7837",
    "sawmill": "#8c510a",
    "wood": "#a6611a",
    "food": "#ff7f00",
    "brewery": "#e6ab02",
    "fish": "#377eb8",
    "aquaculture": "#377eb8",
    "manufacturing": "#984ea3",
    "industry": "#984ea3",
    "municipality": "#f781bf",
    "public": "#f781bf",
    "waste": "#666666",
    "recycling": "#999999",
    "retail": "#a65628",
    "construction": "#b3b3b3",
    "mining": "#525252",
    "tourism": "#17becf",
    "greenhouse": "#66c2a5",
    "aggregated": "#bdbdbd",
}
_FALLBACK = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def _stable_index(text: str, n: int) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(text)) % n


def resource_colour(resource: str) -> str:
    """Hex colour of a resource (fixed for catalogue resources, stable for others)."""
    return RESOURCE_COLOURS.get(resource) or _FALLBACK[_stable_index(resource, len(_FALLBACK))]


def sector_colour(sector: str) -> str:
    """Hex colour of an actor sector (fixed for common sectors, stable for others)."""
    key = (sector or "").strip().lower()
    return SECTOR_COLOURS.get(key) or _FALLBACK[_stable_index(key, len(_FALLBACK))]
