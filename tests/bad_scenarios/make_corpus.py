"""Materialise the bad-input corpus from ``_base/``.

Each case under ``tests/bad_scenarios/<case>/`` is a full copy of the good scenario in
``_base/`` with exactly one defect, plus ``expected.txt``: the exact error line(s)
``file:row:column: message`` that ``symnet validate`` must print for it. The case
folders are committed so that users can open them; rerun this script after changing
``_base/`` or a case below::

    .venv/bin/python tests/bad_scenarios/make_corpus.py

The expected lines are written here by hand (they are the specification of the
messages), not captured from the validator.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).parent
BASE = HERE / "_base"

Edit = Callable[[Path], None]


@dataclass
class Case:
    name: str
    defect: str
    edits: list[Edit]
    expected: list[str] = field(default_factory=list)


# -- edit helpers ----------------------------------------------------------------------
def replace(file: str, old: str, new: str) -> Edit:
    """Replace one exact occurrence of ``old`` in ``file``."""

    def edit(folder: Path) -> None:
        path = folder / file
        text = path.read_text("utf-8")
        if text.count(old) != 1:
            raise ValueError(f"{file}: expected exactly one {old!r}, found {text.count(old)}")
        path.write_text(text.replace(old, new), "utf-8")

    return edit


def append(file: str, line: str) -> Edit:
    def edit(folder: Path) -> None:
        with (folder / file).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    return edit


def write_bytes(file: str, data: bytes) -> Edit:
    def edit(folder: Path) -> None:
        (folder / file).write_bytes(data)

    return edit


def reencode(file: str, encoding: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        path.write_bytes(path.read_text("utf-8").encode(encoding))

    return edit


def delete(file: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / file).unlink()

    return edit


def drop_column(file: str, column: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
        i = rows[0].index(column)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([r[:i] + r[i + 1 :] for r in rows])
        path.write_text(buf.getvalue(), "utf-8")

    return edit


def header_only(file: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        path.write_text(path.read_text("utf-8").splitlines()[0] + "\n", "utf-8")

    return edit


S_GRAIN = "s_grain,brewery,spent_grain,120,t,flat,,020799,,landfill,600,assumption: test corpus"
D_FEED = "d_feed,farm,insect_feedstock,50,t,,,300,R3,assumption: test corpus"
FARM = "farm,Ytterhogdal farm,agriculture,Härjedalen,15.150,62.180,R3|R10,assumption: test corpus"

ALIAS_BOMB = "x_bomb:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  {c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)

CASES: list[Case] = [
    Case(
        "unknown_actor",
        "supply refers to a misspelt actor id",
        [replace("supplies.csv", "s_grain,brewery,", "s_grain,brewry,")],
        ["supplies.csv:3:actor: unknown actor 'brewry' (did you mean 'brewery'?); expected an id from actors.csv"],
    ),
    Case(
        "recipe_makes_energy",
        "a greenhouse recipe gives out more heat than it takes in",
        [
            replace(
                "scenario.yaml",
                "outputs: [{resource: vegetables, per_unit: 0.01, sale_price: 5000}]",
                "outputs: [{resource: vegetables, per_unit: 0.01, sale_price: 5000}, "
                "{resource: heat, per_unit: 1.5, sale_price: 10}]",
            )
        ],
        [
            "scenario.yaml:facilities.greenhouse.outputs: the outputs hold 1.5 MWh per unit of throughput but the "
            "inputs only 1 MWh; a recipe cannot make energy: lower the outputs' per_unit or add the energy input"
        ],
    ),
    Case(
        "road_extract_missing",
        "network.osm names a road extract that is not there",
        [replace("scenario.yaml", "network: {circuity: 1.4}", "network: {circuity: 1.4, osm: roads.osm.pbf}")],
        [
            "scenario.yaml:network.osm: road extract 'roads.osm.pbf' not found; expected an .osm, .osm.bz2 or "
            ".osm.pbf file (or leave network.osm unset to estimate distances)"
        ],
    ),
    Case(
        "road_extract_not_osm",
        "network.osm names a text file called roads.osm.pbf (validate said valid, run failed)",
        [
            replace("scenario.yaml", "network: {circuity: 1.4}", "network: {circuity: 1.4, osm: roads.osm.pbf}"),
            write_bytes("roads.osm.pbf", b"id,lon,lat\nchp,14.357,62.035\n"),
        ],
        [
            "scenario.yaml:network.osm: road extract 'roads.osm.pbf' is not an OSM PBF file (it does not start "
            "with an OSMHeader block); expected an .osm, .osm.bz2 or .osm.pbf file (or leave network.osm unset "
            "to estimate distances)"
        ],
    ),
    Case(
        "duplicate_actor_id",
        "two actors share an id",
        [append("actors.csv", "chp,Second heat plant,energy,Härjedalen,14.40,62.05,,")],
        ["actors.csv:6:id: duplicate id 'chp' (first used on line 2)"],
    ),
    Case(
        "duplicate_supply_id",
        "two supplies share an id",
        [append("supplies.csv", "s_heat,brewery,heat,100,MWh,,60,,,cooling,,")],
        ["supplies.csv:6:id: duplicate id 's_heat' (first used on line 2)"],
    ),
    Case(
        "duplicate_demand_id",
        "two demands share an id",
        [append("demands.csv", "d_feed,brewery,insect_feedstock,10,t,,,300,,")],
        ["demands.csv:5:id: duplicate id 'd_feed' (first used on line 3)"],
    ),
    Case(
        "lon_out_of_range",
        "longitude beyond 180",
        [replace("actors.csv", "14.370,62.030", "194.370,62.030")],
        ["actors.csv:4:lon: 194.370 is out of range; expected a longitude between -180 and 180"],
    ),
    Case(
        "lat_out_of_range",
        "latitude beyond 90",
        [replace("actors.csv", "13.500,62.417", "13.500,96.417")],
        ["actors.csv:3:lat: 96.417 is out of range; expected a latitude between -90 and 90"],
    ),
    Case(
        "swapped_lon_lat",
        "a Swedish point given as lat,lon",
        [replace("actors.csv", "15.150,62.180", "62.180,15.150")],
        [
            "actors.csv:5:lon: lon=62.180, lat=15.150 look swapped: (15.15, 62.18) lies in the area of EPSG:3006 "
            "but the point as given does not; swap the lon and lat columns"
        ],
    ),
    Case(
        "unknown_resource",
        "misspelt resource id",
        [replace("supplies.csv", "brewery,spent_grain,", "brewery,spent_grian,")],
        [
            "supplies.csv:3:resource: unknown resource 'spent_grian' (did you mean 'spent_grain'?); "
            "see `symnet resources` for the catalogue"
        ],
    ),
    Case(
        "unknown_unit",
        "misspelt unit",
        [replace("supplies.csv", "spent_grain,120,t,", "spent_grain,120,tones,")],
        [
            "supplies.csv:3:unit: unknown unit 'tones' (did you mean 'tonnes'?); expected one of "
            "g, gj, gwh, kg, kt, kw, kwh, l, liter, litre, m3, mj, mw, mwh, pcs, piece, pieces, st, t, tj, ton, tonne, tonnes, twh"
        ],
    ),
    Case(
        "unit_incompatible",
        "metal scrap given in MWh",
        [replace("supplies.csv", "metal_scrap,18000,kg,", "metal_scrap,18000,MWh,")],
        [
            "supplies.csv:5:unit: cannot convert MWh to t for 'metal_scrap': the catalogue gives no "
            "density/energy content/mass per unit for it; give the quantity in t"
        ],
    ),
    Case(
        "negative_quantity",
        "negative quantity",
        [replace("supplies.csv", "spent_grain,120,", "spent_grain,-120,")],
        ["supplies.csv:3:quantity: -120 is negative; expected a number >= 0"],
    ),
    Case(
        "non_numeric_quantity",
        "words in the quantity column",
        [replace("supplies.csv", "spent_grain,120,", "spent_grain,about 120,")],
        ["supplies.csv:3:quantity: 'about 120' is not a number; expected a number such as 120 or 12.5"],
    ),
    Case(
        "decimal_comma_in_comma_file",
        "a quoted decimal comma in a ','-separated file",
        [replace("supplies.csv", "spent_grain,120,", 'spent_grain,"120,5",')],
        [
            "supplies.csv:3:quantity: '120,5' has a decimal comma in a ','-separated file; expected '.' as decimal "
            "separator (120.5), or save the file ';'-separated"
        ],
    ),
    Case(
        "profile_wrong_length",
        "three shares for four periods",
        [replace("supplies.csv", "100,m3,0.25|0.25|0.25|0.25,", "100,m3,0.3|0.3|0.4,")],
        [
            "supplies.csv:4:profile: profile '0.3|0.3|0.4' has 3 values; expected 4, one share per period "
            "(winter, spring, summer, autumn)"
        ],
    ),
    Case(
        "profile_not_summing",
        "shares summing to 1.2",
        [replace("supplies.csv", "100,m3,0.25|0.25|0.25|0.25,", "100,m3,0.3|0.3|0.3|0.3,")],
        ["supplies.csv:4:profile: profile '0.3|0.3|0.3|0.3' sums to 1.2; expected the shares of the year to sum to 1"],
    ),
    Case(
        "unknown_named_profile",
        "misspelt profile name",
        [replace("demands.csv", "GJ,winter_peak,", "GJ,winter_peek,")],
        [
            "demands.csv:2:profile: unknown profile 'winter_peek' (did you mean 'winter_peak'?); expected a name from "
            "scenario.yaml profiles, 'flat', or shares like 0.4|0.1|0.1|0.4"
        ],
    ),
    Case(
        "period_weights_not_summing",
        "period weights sum to 1.05",
        [
            replace(
                "scenario.yaml",
                "periods: seasons",
                "periods:\n  - {id: winter, weight: 0.3}\n  - {id: spring, weight: 0.25}\n"
                "  - {id: summer, weight: 0.25}\n  - {id: autumn, weight: 0.25}",
            )
        ],
        [
            "scenario.yaml:periods: period weights (winter=0.3, spring=0.25, summer=0.25, autumn=0.25) sum to 1.05; "
            "expected 1 (each weight is a share of the year)"
        ],
    ),
    Case(
        "missing_required_column",
        "supplies.csv has no unit column",
        [drop_column("supplies.csv", "unit")],
        [
            "supplies.csv:1:unit: required column 'unit' is missing; the header is: id, actor, resource, quantity, "
            "profile, temperature_c, ewc, hazard_assessment, current_fate, fate_cost, source"
        ],
    ),
    Case(
        "empty_file",
        "demands.csv has zero bytes",
        [write_bytes("demands.csv", b"")],
        ["demands.csv: file is empty; expected a header line and at least one row"],
    ),
    Case(
        "header_only_actors",
        "actors.csv has a header and no rows",
        [header_only("actors.csv")],
        ["actors.csv: no actors; expected at least one row under the header"],
    ),
    Case(
        "windows_1252",
        "actors.csv saved as Windows-1252 (ä is byte 0xe4)",
        [reencode("actors.csv", "cp1252")],
        [
            "actors.csv:2: file is not UTF-8 (byte 0xe4 at line 2, probably Windows-1252/Latin-1); "
            "expected UTF-8 (in Excel: Save As 'CSV UTF-8')"
        ],
    ),
    Case(
        "utf16",
        "supplies.csv saved as UTF-16 ('Unicode text' in Excel)",
        [reencode("supplies.csv", "utf-16")],
        ["supplies.csv: file is UTF-16 encoded; expected UTF-8 (in Excel: Save As 'CSV UTF-8')"],
    ),
    Case(
        "yaml_not_mapping",
        "scenario.yaml holds a list",
        [write_bytes("scenario.yaml", b"- name: Bad-input corpus base\n- crs: EPSG:3006\n")],
        ["scenario.yaml: the file holds a list; expected a mapping of keys (name:, crs:, periods:, economics: ...)"],
    ),
    Case(
        "yaml_syntax",
        "unclosed flow mapping",
        [replace("scenario.yaml", "road: {payload_t: 20, cost_per_km: 15}", "road: {payload_t: 20, cost_per_km: 15")],
        [
            "scenario.yaml:14: invalid YAML at column 8: expected ',' or '}', but got ':' (in a flow mapping that "
            "starts at line 13, column 9); expected 'key: value' lines (check indentation, colons and brackets)"
        ],
    ),
    Case(
        "yaml_unknown_key",
        "misspelt top-level key",
        [replace("scenario.yaml", "economics:", "econmics:")],
        [
            "scenario.yaml:econmics: unknown key 'econmics' (did you mean 'economics'?); expected one of: name, "
            "description, region, country, crs, periods, profiles, economics, network, solver, map, facilities, "
            "actors_file, resources, fates, substitutions, source, uncertainty"
        ],
    ),
    Case(
        "yaml_unknown_nested_key",
        "misspelt economics key",
        [replace("scenario.yaml", "landfill_tax: 645", "landfil_tax: 645")],
        [
            "scenario.yaml:economics.landfil_tax: unknown key 'landfil_tax' (did you mean 'landfill_tax'?); expected "
            "one of: currency, landfill_tax, incineration_tax, co2_price, diesel_price, road, pipe, participation, "
            "transport_paid_by, transport_paid_by_resource"
        ],
    ),
    Case(
        "yaml_wrong_type",
        "a string where a number is expected",
        [replace("scenario.yaml", "landfill_tax: 645", "landfill_tax: a lot")],
        [
            "scenario.yaml:economics.landfill_tax: 'a lot': input should be a valid number, "
            "unable to parse string as a number"
        ],
    ),
    Case(
        "unknown_crs",
        "EPSG code that does not exist",
        [replace("scenario.yaml", "crs: EPSG:3006", "crs: EPSG:99999")],
        ["scenario.yaml:crs: unknown CRS 'EPSG:99999'; expected e.g. EPSG:3006"],
    ),
    Case(
        "geographic_crs",
        "EPSG:4326 has degrees, not metres",
        [replace("scenario.yaml", "crs: EPSG:3006", "crs: EPSG:4326")],
        ["scenario.yaml:crs: 'EPSG:4326' is not a projected CRS; distances need metres (e.g. EPSG:3006 SWEREF99 TM)"],
    ),
    Case(
        "ewc_not_six_digits",
        "five-digit waste code",
        [replace("supplies.csv", ",020799,", ",02079,")],
        ["supplies.csv:3:ewc: '02079' is not a six-digit European List of Waste code (e.g. 02 03 04)"],
    ),
    Case(
        "ewc_not_in_list",
        "six digits but not a List of Waste entry",
        [replace("supplies.csv", ",020799,", ",020788,")],
        [
            "supplies.csv:3:ewc: '020788' is not in the European List of Waste; expected one of the codes under 02 07: "
            "020701, 020702, 020703, 020704, 020705, 020799"
        ],
    ),
    Case(
        "unknown_hazard_assessment",
        "hazard assessment 'maybe'",
        [replace("supplies.csv", ",030105,non_hazardous,", ",030105,maybe,")],
        [
            "supplies.csv:4:hazard_assessment: 'maybe' is not a hazard assessment; expected 'hazardous' or 'non_hazardous'"
        ],
    ),
    Case(
        "unknown_current_fate",
        "misspelt fate",
        [replace("supplies.csv", ",landfill,600,", ",landfil,600,")],
        [
            "supplies.csv:3:current_fate: unknown fate 'landfil' (did you mean 'landfill'?); expected one of contractor, "
            "cooling, emitted, energy_recovery, incineration, landfill, landfill_hazardous, none, recycling, sale, sewer"
        ],
    ),
    Case(
        "unknown_operation",
        "R14 does not exist",
        [replace("actors.csv", "R3|R10", "R3|R14")],
        ["actors.csv:5:operations: unknown operation 'R14'; expected one of R1-R13 or D1-D15"],
    ),
    Case(
        "site_unknown_facility",
        "site offers a misspelt facility type",
        [replace("sites.csv", "14.36,62.04,greenhouse,", "14.36,62.04,grenhouse,")],
        [
            "sites.csv:2:facility: unknown facility type 'grenhouse' (did you mean 'greenhouse'?); "
            "expected one of greenhouse, insect_farm"
        ],
    ),
    Case(
        "facility_unknown_resource",
        "recipe needs a resource the catalogue does not know",
        [replace("scenario.yaml", "inputs: [{resource: spent_grain,", "inputs: [{resource: spent_grains,")],
        [
            "scenario.yaml:facilities.insect_farm.inputs[0].resource: unknown resource 'spent_grains' (did you mean "
            "'spent_grain'?); expected a resource id or class from the catalogue (see `symnet resources`)"
        ],
    ),
    Case(
        "min_throughput_above_capacity",
        "greenhouse needs more than it can take",
        [replace("scenario.yaml", "min_throughput: 1000", "min_throughput: 6000")],
        [
            "scenario.yaml:facilities.greenhouse.min_throughput: 6000 is above the capacity 5000; "
            "expected at most the capacity"
        ],
    ),
    Case(
        "missing_scenario_yaml",
        "no scenario.yaml",
        [delete("scenario.yaml")],
        [
            "scenario.yaml: file not found in the scenario folder; every scenario needs one "
            "(name:, crs:, periods:, economics: ...)"
        ],
    ),
    Case(
        "missing_actors_csv",
        "no actors.csv",
        [delete("actors.csv")],
        ["actors.csv: file not found; every scenario needs its actors"],
    ),
    Case(
        "missing_demands_csv",
        "no demands.csv",
        [delete("demands.csv")],
        ["demands.csv: file not found; expected a demands table (a header line is enough when there are none)"],
    ),
    Case(
        "row_too_many_cells",
        "an unquoted decimal comma splits a number into two cells",
        [replace("supplies.csv", "spent_grain,120,", "spent_grain,120,5,")],
        [
            "supplies.csv:3: row has 13 cells but the header has 12 columns (extra: 'assumption: test corpus'); "
            "expected at most 12; a decimal comma in a ','-separated file splits a number in two: "
            "use '.' or quote the value"
        ],
    ),
    Case(
        "bad_boolean",
        "confidential is neither yes nor no",
        [
            replace(
                "actors.csv",
                "id,name,sector,municipality,lon,lat,operations,source",
                "id,name,sector,municipality,lon,lat,operations,source,confidential",
            ),
            replace("actors.csv", "R1,assumption: test corpus", "R1,assumption: test corpus,perhaps"),
        ],
        ["actors.csv:2:confidential: 'perhaps' is not a yes/no value; expected true/false, yes/no or 1/0"],
    ),
    Case(
        "empty_id",
        "a supply without an id",
        [replace("supplies.csv", "s_grain,brewery,", ",brewery,")],
        ["supplies.csv:3:id: 'id' is empty; a value is required"],
    ),
    Case(
        "site_two_positions",
        "one site given at two positions",
        [
            replace(
                "sites.csv",
                "gh1,Sveg greenhouse site,14.36,62.04,insect_farm,",
                "gh1,Sveg greenhouse site,14.46,62.04,insect_farm,",
            )
        ],
        [
            "sites.csv:3:lon: site 'gh1' is given at lon=14.46, lat=62.04 but at lon=14.36, lat=62.04 on line 2; "
            "expected one position per site"
        ],
    ),
    Case(
        "yaml_missing_name",
        "scenario.yaml without its name",
        [replace("scenario.yaml", "name: Bad-input corpus base\n", "")],
        ["scenario.yaml:name: required key 'name' is missing"],
    ),
    Case(
        "demand_class_mixed_units",
        "a demand for the class 'energy' (MWh) given in t",
        [replace("demands.csv", "d_fuel,chp,biofuel,40,t,", "d_fuel,chp,energy,40,t,")],
        [
            "demands.csv:4:unit: cannot convert t to MWh for class 'energy': a class has no density or energy content; "
            "give the quantity in MWh or demand a resource id"
        ],
    ),
    Case(
        "yaml_duplicate_key",
        "a key given twice in one mapping (YAML would keep the last silently)",
        [replace("scenario.yaml", "  diesel_price: 20\n", "  diesel_price: 20\n  landfill_tax: 900\n")],
        ["scenario.yaml:13: duplicate key 'landfill_tax' (first given on line 11); expected each key once"],
    ),
    Case(
        "yaml_deep_nesting",
        "a value nested 60 levels deep (beyond the recursion a reader can afford)",
        [append("scenario.yaml", "description: " + "[" * 60 + "]" * 60)],
        ["scenario.yaml:30: nested deeper than 50 levels; expected a flatter structure"],
    ),
    Case(
        "yaml_alias_bomb",
        "'billion laughs': nine levels of nine aliases (10^9 values from 400 bytes)",
        [append("scenario.yaml", ALIAS_BOMB)],
        [
            "scenario.yaml:36: the aliases (*name) expand to more than 100,000 values; "
            "expected plain values (is this an alias bomb?)"
        ],
    ),
    Case(
        "nan_price",
        "NaN as a demand's price",
        [replace("demands.csv", "insect_feedstock,50,t,,,300,", "insect_feedstock,50,t,,,nan,")],
        ["demands.csv:3:price: value 'nan' is not a finite number; expected a number such as 120 or 12.5"],
    ),
    Case(
        "inf_fixed_cost",
        "an infinite fixed cost of a site option",
        [replace("sites.csv", "insect_farm,200000,", "insect_farm,inf,")],
        ["sites.csv:3:fixed_cost: value 'inf' is not a finite number; expected a number such as 120 or 12.5"],
    ),
    Case(
        "nan_profile_share",
        "NaN as a profile share (62.5 t vanished from the mass balance)",
        [replace("supplies.csv", "100,m3,0.25|0.25|0.25|0.25,", "100,m3,nan|0.25|0.25|0.25,")],
        [
            "supplies.csv:4:profile: value 'nan' in profile 'nan|0.25|0.25|0.25' is not a finite number; "
            "expected shares in [0, 1]"
        ],
    ),
    Case(
        "profile_share_above_one",
        "a profile share of 1.5 (more than the whole year)",
        [replace("supplies.csv", "100,m3,0.25|0.25|0.25|0.25,", "100,m3,1.5|0|0|0,")],
        ["supplies.csv:4:profile: profile '1.5|0|0|0' has a share above 1; expected shares in [0, 1]"],
    ),
    Case(
        "huge_quantity",
        "1e308 t of spent grain",
        [replace("supplies.csv", "s_grain,brewery,spent_grain,120,", "s_grain,brewery,spent_grain,1e308,")],
        ["supplies.csv:3:quantity: 1e308 t is 1e+308 t/yr, out of range; expected at most 1e+09 t/yr"],
    ),
    Case(
        "below_absolute_zero",
        "a heat supply at -300 C",
        [replace("supplies.csv", "winter_peak,70,", "winter_peak,-300,")],
        ["supplies.csv:2:temperature_c: -300 is out of range; expected a number >= -273.15"],
    ),
    Case(
        "price_out_of_range",
        "a price of 1e12 per tonne",
        [replace("demands.csv", "biofuel,40,t,,,250,", "biofuel,40,t,,,1e12,")],
        ["demands.csv:4:price: 1e12 is out of range; expected a number between -1e+07 and 1e+07"],
    ),
    Case(
        "yaml_nan_tax",
        "landfill tax .nan in scenario.yaml",
        [replace("scenario.yaml", "landfill_tax: 645", "landfill_tax: .nan")],
        ["scenario.yaml:11:economics.landfill_tax: value '.nan' is not a finite number; expected a number such as 645"],
    ),
    Case(
        "yaml_inf_sale_price",
        "an infinite sale price in a facility recipe",
        [replace("scenario.yaml", "sale_price: 5000", "sale_price: .inf")],
        [
            "scenario.yaml:22:facilities.greenhouse.outputs[0].sale_price: value '.inf' is not a finite number; "
            "expected a number such as 645"
        ],
    ),
    Case(
        "yaml_circuity_out_of_range",
        "a circuity of 7 (roads 7 times the straight line)",
        [replace("scenario.yaml", "network: {circuity: 1.4}", "network: {circuity: 7}")],
        ["scenario.yaml:network.circuity: 7: input should be less than or equal to 5"],
    ),
    Case(
        "yaml_solver_seed_negative",
        "a negative solver seed (HiGHS ignored it silently and searched with seed 0)",
        [append("scenario.yaml", "solver: {seed: -1}")],
        ["scenario.yaml:solver.seed: -1: input should be greater than or equal to 0"],
    ),
    Case(
        "range_low_refused",
        "an assumed fixed cost whose uncertainty range goes below 0",
        [
            replace(
                "scenario.yaml",
                "    fixed_cost: 100000\n",
                '    fixed_cost: {value: 100000, low: -20000, high: 150000, source: "assumption: test corpus"}\n',
            )
        ],
        [
            "scenario.yaml:18:facilities.greenhouse.fixed_cost: the range's low -20000 is not accepted "
            "(-20000.0: input should be greater than or equal to 0)"
        ],
    ),
    Case(
        "id_actor_equals_site_option",
        "an actor id equal to a site option id (put the greenhouse at the actor)",
        [append("actors.csv", "gh1:greenhouse,Tännäs brewery,food,Härjedalen,12.70,62.45,,")],
        [
            "sites.csv:2:id: site option id 'gh1:greenhouse' is also the id of an actor in actors.csv:6; "
            "actors, supplies, demands and site options (site:facility) share one namespace: rename one of them"
        ],
    ),
    Case(
        "id_demand_equals_site_option",
        "a demand id equal to a site option id",
        [replace("demands.csv", "d_fuel,chp,", "gh1:insect_farm,chp,")],
        [
            "sites.csv:3:id: site option id 'gh1:insect_farm' is also the id of a demand in demands.csv:4; "
            "actors, supplies, demands and site options (site:facility) share one namespace: rename one of them"
        ],
    ),
    Case(
        "id_supply_equals_demand",
        "a supply and a demand share an id",
        [replace("demands.csv", "d_fuel,chp,", "s_grain,chp,")],
        [
            "demands.csv:4:id: demand id 's_grain' is also the id of a supply in supplies.csv:3; "
            "actors, supplies, demands and site options (site:facility) share one namespace: rename one of them"
        ],
    ),
    Case(
        "id_actor_equals_supply",
        "an actor and a supply share an id",
        [replace("supplies.csv", "s_scrap,sawmill,", "farm,sawmill,")],
        [
            "supplies.csv:5:id: supply id 'farm' is also the id of an actor in actors.csv:5; "
            "actors, supplies, demands and site options (site:facility) share one namespace: rename one of them"
        ],
    ),
    Case(
        "site_id_with_colon",
        "a site id containing ':' (crashed the optimiser)",
        [replace("sites.csv", "if2,Hede industrial area,", "if2:x,Hede industrial area,")],
        ["sites.csv:4:id: site id 'if2:x' contains ':'; expected an id without ':' (site options are named site:facility)"],
    ),
    Case(
        "multi_problem",
        "several problems in several files, all reported",
        [
            replace("scenario.yaml", "min_throughput: 1000", "min_throughput: 6000"),
            replace("actors.csv", "13.500,62.417", "13.500,96.417"),
            replace("supplies.csv", "s_grain,brewery,spent_grain,120,", "s_grain,brewry,spent_grain,-120,"),
            replace("demands.csv", "d_feed,farm,insect_feedstock,50,t,", "d_feed,farm,insect_feedstock,50,tones,"),
            replace("sites.csv", "14.36,62.04,greenhouse,", "14.36,62.04,grenhouse,"),
        ],
        [
            "scenario.yaml:facilities.greenhouse.min_throughput: 6000 is above the capacity 5000; "
            "expected at most the capacity",
            "actors.csv:3:lat: 96.417 is out of range; expected a latitude between -90 and 90",
            "supplies.csv:3:actor: unknown actor 'brewry' (did you mean 'brewery'?); expected an id from actors.csv",
            "supplies.csv:3:quantity: -120 is negative; expected a number >= 0",
            "demands.csv:3:unit: unknown unit 'tones' (did you mean 'tonnes'?); expected one of "
            "g, gj, gwh, kg, kt, kw, kwh, l, liter, litre, m3, mj, mw, mwh, pcs, piece, pieces, st, t, tj, ton, tonne, tonnes, twh",
            "sites.csv:2:facility: unknown facility type 'grenhouse' (did you mean 'greenhouse'?); "
            "expected one of greenhouse, insect_farm",
        ],
    ),
]


# -- good variants (tests/fixtures/good/<name>/): must load, with known numbers ------------
GOOD_ROOT = HERE.parent / "fixtures" / "good"
CSV_FILES = ("actors.csv", "supplies.csv", "demands.csv", "sites.csv")


def swedish_excel(folder: Path) -> None:
    """Rewrite every CSV as Swedish Excel saves it: UTF-8 with BOM, ';'-separated,
    decimal commas, CRLF line ends."""
    for name in CSV_FILES:
        path = folder / name
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
        rows = [[re.sub(r"(?<=\d)\.(?=\d)", ",", c) if re.fullmatch(r"[-+\d.|]+", c) else c for c in r] for r in rows]
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
        path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def actors_as_geojson(folder: Path) -> None:
    """actors.csv -> actors.geojson (WGS84 points), referenced from scenario.yaml."""
    rows = list(csv.DictReader(io.StringIO((folder / "actors.csv").read_text("utf-8"), newline="")))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r.pop("lon")), float(r.pop("lat"))]},
            "properties": r,
        }
        for r in rows
    ]
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }
    (folder / "actors.geojson").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
    (folder / "actors.csv").unlink()
    replace("scenario.yaml", "crs: EPSG:3006\n", "crs: EPSG:3006\nactors_file: actors.geojson\n")(folder)


def actors_in_sweref99(folder: Path) -> None:
    """lon/lat -> x/y in EPSG:3006 (SWEREF99 TM), rounded to the millimetre."""
    from pyproj import Transformer

    to_xy = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    path = folder / "actors.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"), newline="")))
    buf = io.StringIO()
    fields = [("x" if f == "lon" else "y" if f == "lat" else f) for f in rows[0]]
    writer = csv.DictWriter(buf, fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        x, y = to_xy.transform(float(r.pop("lon")), float(r.pop("lat")))
        writer.writerow({**r, "x": f"{x:.3f}", "y": f"{y:.3f}"})
    path.write_text(buf.getvalue(), "utf-8")


GOOD: dict[str, list[Edit]] = {
    "swedish_excel": [
        replace("supplies.csv", "spent_grain,120,t,", "spent_grain,120.5,t,"),
        replace("supplies.csv", "metal_scrap,18000,kg,", "metal_scrap,18 000,kg,"),
        swedish_excel,
    ],
    "actors_geojson": [actors_as_geojson],
    "actors_xy_sweref99": [actors_in_sweref99],
    "units_per_year": [
        replace("supplies.csv", "heat,2000,kW,", "heat,2,MW,"),
        replace("supplies.csv", "spent_grain,120,t,", "spent_grain,120,t/yr,"),
        replace("supplies.csv", "metal_scrap,18000,kg,", "metal_scrap,0.018,kt,"),
        replace("demands.csv", "heat,1800,GJ,", "heat,500000,kWh/år,"),
        replace("demands.csv", "insect_feedstock,50,t,", "insect_feedstock,50000,kg/year,"),
        append("supplies.csv", "s_fridges,farm,fridges,40,st,,,,,contractor,209,report 002 §3.3"),
    ],
}


def build_good(name: str, edits: list[Edit], root: Path = GOOD_ROOT) -> Path:
    """Write one good variant: a copy of ``_base`` with the variant's edits."""
    folder = root / name
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(BASE, folder)
    for edit in edits:
        edit(folder)
    return folder


def build(case: Case, root: Path = HERE) -> Path:
    """Write one case folder: a copy of ``_base`` with the case's edits and expected.txt."""
    folder = root / case.name
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(BASE, folder)
    for edit in case.edits:
        edit(folder)
    (folder / "expected.txt").write_text("\n".join(case.expected) + "\n", "utf-8")
    return folder


def main() -> None:
    names = [c.name for c in CASES]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate case names")
    for case in CASES:
        build(case)
    for name, edits in GOOD.items():
        build_good(name, edits)
    lines = [
        "# Bad-input corpus",
        "",
        "Each folder is a copy of `_base/` (a valid scenario) with exactly one defect; `expected.txt`",
        "holds the exact line(s) `symnet validate` prints for it. Regenerate with",
        "`.venv/bin/python tests/bad_scenarios/make_corpus.py`.",
        "",
        "| case | defect |",
        "| --- | --- |",
    ]
    lines += [f"| `{c.name}` | {c.defect} |" for c in CASES]
    (HERE / "README.md").write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{len(CASES)} bad cases written under {HERE}, {len(GOOD)} good ones under {GOOD_ROOT}")


if __name__ == "__main__":
    main()
