"""Build the shipped Shandong province file from the 2020 census and the 2023 division codes.

Writes ``scenarios/shandong-counties.csv`` (the county table ``ruraledu province`` reads),
``scenarios/shandong.toml`` (the province file naming it) and ``data/shandong-units.csv`` (every
county-level unit with the census figures and township counts it was built from, and what was
shipped). docs/shandong.md describes the sources, the transformation and what is left out. The
shipped files are committed: nothing here runs at run time or in CI. To regenerate::

    git clone https://github.com/leiii/census
    git -C census show 719d9be5f6153f23486a8a364233e9b34c01751c:data/census/census_county_2020_v1.xlsx \\
        > census_county_2020_v1.xlsx
    git clone https://github.com/modood/Administrative-divisions-of-China divisions
    git -C divisions show dc3a1d7acd85ca1b0979543e9259604142c52e8e:dist/areas.csv > areas.csv
    git -C divisions show dc3a1d7acd85ca1b0979543e9259604142c52e8e:dist/streets.csv > streets.csv
    python data/build_shandong.py census_county_2020_v1.xlsx areas.csv streets.csv

The inputs are checked against the SHA-256 digests below, so a rebuild from other versions is
refused rather than silently giving other numbers (``--any-version`` builds anyway).

Each unit's values:

- students: its residents aged 6-14 at the census (1 November 2020): four fifths of the 5-9 band
  (ages spread evenly within the band) plus the 10-14 band. This is population, a stand-in for
  compulsory enrolment, which was not available county by county.
- towns: its townships (镇 and 乡) in the 2023 statistical division codes; subdistricts (街道)
  are urban and other township-level units (development zones, parks) have no town seat.
- urban_share: its urban residents (城镇人口) over all residents.
- urban_quality_schools, urban_ordinary_schools: its urban children (students x urban_share)
  at the default county's children per county-seat school (``county_seat_schools``).
- kind: 市辖区 -> district, 县级市 -> county_city, 县 -> county; the census's development zones
  (fifth code digit 7), which report residents outside any formal unit, are kept as districts so
  that the province adds up to the census.

Values outside what the model accepts (CountySpec.students, .towns and the school counts,
Demography.urban_residence_share) are brought to the nearest accepted value, and a unit with
fewer children than the smallest county the model accepts is left out; each case is listed in
data/shandong-units.csv (``note``) and counted in docs/shandong.md. Widening those bounds and
running this script again ships the census values unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pandas as pd

from sim.county import CountySpec
from sim.parameters import Demography, field_bounds

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = {  # the versions docs/shandong.md cites
    "census": "04d37df90d4e358c13aac85a76051caab12afa84eca8a3b4f58cf2227ce69f43",
    "areas": "169b8d99654c28cbd285e771e00688837f77af8d50c2b703592146388d2a99ab",
    "streets": "831dc1c483079cee166717118e57f4b69ef6212c699dbd4bff868b59513ac14b",
}
PROVINCE = "37"
SEED = 2020
COUNTIES_CSV = ROOT / "scenarios" / "shandong-counties.csv"
PROVINCE_TOML = ROOT / "scenarios" / "shandong.toml"
UNITS_CSV = ROOT / "data" / "shandong-units.csv"
BANDS = ["男_5到9岁", "女_5到9岁", "男_10到14岁", "女_10到14岁"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def census_units(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Shandong's county-level rows of the census table (formal units and development zones),
    and its province row, which the units must add up to."""
    table = pd.read_excel(path, sheet_name=0, dtype={"区划代码": str})
    code = table["区划代码"].fillna("")
    province = table[code == f"{PROVINCE}0000"].iloc[0]
    units = table[code.str.fullmatch(rf"{PROVINCE}\d{{4}}") & ~code.str.endswith("00")].copy()
    units = units.rename(columns={"区划代码": "code", "市": "prefecture", "区县": "name"})
    numbers = ["人口数_合计", "城镇人口", *BANDS]
    for col in numbers:
        if units[col].isna().any() or (units[col] < 0).any():
            raise SystemExit(f"{path}: column {col} has gaps or negatives in Shandong's rows")
        total = units[col].sum()
        if total != province[col]:
            raise SystemExit(f"{path}: Shandong's units add up to {total:,} {col}, the province "
                             f"row says {province[col]:,}")
        units[col] = units[col].astype(int)  # counts (read as float where others' rows have gaps)
    return units.reset_index(drop=True), province


def aged_6_to_14(frame: pd.DataFrame | pd.Series) -> pd.Series | float:
    """Residents aged 6-14: four fifths of the 5-9 band (ages spread evenly) and the 10-14 band."""
    return 0.8 * (frame["男_5到9岁"] + frame["女_5到9岁"]) + frame["男_10到14岁"] + frame["女_10到14岁"]


def census_kind(code: str, name: str) -> str:
    """The unit's kind in the census's own terms, from its code and name."""
    if code[4] == "7":
        return "开发区"
    for suffix in ("区", "市", "县"):
        if name.endswith(suffix):
            return {"区": "市辖区", "市": "县级市", "县": "县"}[suffix]
    raise SystemExit(f"census unit {code} {name}: not a district, county-level city or county")


def township_counts(areas: Path, streets: Path) -> pd.DataFrame:
    """Per 2023 county-level unit: its 镇, 乡, 街道 and other township-level units."""
    units = pd.read_csv(areas, dtype=str)
    units = units[units["provinceCode"] == PROVINCE]
    towns = pd.read_csv(streets, dtype=str)
    towns = towns[towns["provinceCode"] == PROVINCE]
    kind = pd.Series("other", index=towns.index)
    kind[towns["name"].str.endswith("街道")] = "街道"
    kind[towns["name"].str.endswith("乡")] = "乡"
    kind[towns["name"].str.endswith("镇")] = "镇"
    counts = pd.crosstab(towns["areaCode"], kind)
    counts = counts.reindex(columns=["镇", "乡", "街道", "other"], fill_value=0)
    return units.set_index("code")[["name"]].join(counts).fillna(0).astype(
        {"镇": int, "乡": int, "街道": int, "other": int})


def match_2023(units: pd.DataFrame, codes: pd.DataFrame) -> pd.Series:
    """Each 2020 unit's 2023 code: the same code, else the same name (development zones
    renumbered since); empty where the unit no longer exists as a county-level unit."""
    by_name = {name: code for code, name in codes["name"].items()}
    return units.apply(lambda u: u["code"] if u["code"] in codes.index
                       else by_name.get(u["name"], ""), axis=1)


def bounds() -> dict[str, tuple[float, float]]:
    fields = CountySpec.model_fields
    return {"students": field_bounds(fields["students"]),
            "towns": field_bounds(fields["towns"]),
            "urban_share": field_bounds(Demography.model_fields["urban_residence_share"]),
            "urban_quality_schools": field_bounds(fields["urban_quality_schools"]),
            "urban_ordinary_schools": field_bounds(fields["urban_ordinary_schools"])}


def county_seat_schools(urban_children: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Quality and ordinary county-seat schools for a unit's urban children, at the default
    county's ratio (an assumption: no school counts by unit were available): its 13 county-seat
    schools, 3 of them quality schools, serve 60,000 x 0.38 = 22,800 children, about 1,754 a
    school. Without it every unit would run the default's 13, whatever its size."""
    spec = CountySpec()
    per_school = (spec.students * Demography().urban_residence_share
                  / (spec.urban_quality_schools + spec.urban_ordinary_schools))
    total = (urban_children / per_school).round().clip(lower=2).astype(int)
    quality_share = spec.urban_quality_schools / (spec.urban_quality_schools
                                                  + spec.urban_ordinary_schools)
    quality = (total * quality_share).round().clip(lower=1).astype(int)
    return quality, total - quality


def build(census: Path, areas: Path, streets: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Every census unit with its figures, its township counts and the values shipped; and
    the census's province row."""
    units, province = census_units(census)
    codes = township_counts(areas, streets)
    units["census_kind"] = [census_kind(c, n) for c, n in zip(units["code"], units["name"])]
    units["kind"] = units["census_kind"].map({"市辖区": "district", "县级市": "county_city",
                                               "县": "county", "开发区": "district"})
    units["code_2023"] = match_2023(units, codes)
    matched = codes.drop(columns="name").reindex(units["code_2023"]).fillna(0)
    for col in ("镇", "乡", "街道", "other"):
        units[f"{col}_2023"] = matched[col].to_numpy().astype(int)
    units["aged_6_14"] = aged_6_to_14(units).round().astype(int)
    units["townships"] = units["镇_2023"] + units["乡_2023"]
    units["urban_share_census"] = units["城镇人口"] / units["人口数_合计"]
    dupes = units["name"].duplicated(keep=False)
    units["county"] = units["name"].where(~dupes, units["prefecture"] + units["name"])

    limit = bounds()
    notes: list[list[str]] = [[] for _ in range(len(units))]
    units["students"] = units["aged_6_14"]
    units["towns"] = units["townships"].clip(*limit["towns"])
    units["urban_share"] = units["urban_share_census"].clip(*limit["urban_share"]).round(3)
    quality, ordinary = county_seat_schools(units["students"] * units["urban_share"])
    units["urban_quality_schools"] = quality.clip(*limit["urban_quality_schools"])
    units["urban_ordinary_schools"] = ordinary.clip(*limit["urban_ordinary_schools"])
    units["shipped"] = units["aged_6_14"] >= limit["students"][0]
    for i, u in units.iterrows():
        if not u["shipped"]:
            notes[i].append(f"left out: {u['aged_6_14']:,} aged 6-14, fewer than the model's "
                            f"smallest county ({limit['students'][0]:,})")
            continue
        if u["code_2023"] == "":
            notes[i].append("no county-level unit of this code or name in 2023: 0 townships")
        elif u["code_2023"] != u["code"] or codes.loc[u["code_2023"], "name"] != u["name"]:
            notes[i].append(f"townships of 2023 unit {u['code_2023']} "
                            f"{codes.loc[u['code_2023'], 'name']}")
        if u["towns"] != u["townships"]:
            notes[i].append(f"towns {u['townships']} -> {u['towns']} (model range "
                            f"{limit['towns'][0]}-{limit['towns'][1]})")
        for col, wanted in (("urban_quality_schools", quality[i]),
                            ("urban_ordinary_schools", ordinary[i])):
            if u[col] != wanted:
                notes[i].append(f"{col} {wanted} -> {u[col]} (model range "
                                f"{limit[col][0]}-{limit[col][1]})")
        if round(u["urban_share_census"], 3) != u["urban_share"]:
            notes[i].append(f"urban share {u['urban_share_census']:.3f} -> {u['urban_share']:.3f} "
                            f"(model range {limit['urban_share'][0]}-{limit['urban_share'][1]})")
    units["note"] = ["; ".join(n) for n in notes]
    return units, province


def write(units: pd.DataFrame) -> None:
    shipped = units[units["shipped"]]
    shipped[["county", "prefecture", "kind", "students", "towns", "urban_share",
             "urban_quality_schools", "urban_ordinary_schools"]].to_csv(
        COUNTIES_CSV, index=False, encoding="utf-8", lineterminator="\n")
    units.round({"urban_share_census": 4}).rename(
        columns={"人口数_合计": "residents", "城镇人口": "urban_residents"})[
        ["code", "prefecture", "name", "census_kind", "residents", "urban_residents", *BANDS,
         "aged_6_14", "urban_share_census", "code_2023", "镇_2023", "乡_2023", "街道_2023",
         "other_2023", "townships", "shipped", "county", "kind", "students", "towns",
         "urban_share", "urban_quality_schools", "urban_ordinary_schools", "note"]].to_csv(
        UNITS_CSV, index=False, encoding="utf-8", lineterminator="\n")
    PROVINCE_TOML.write_text(f"""\
# Shandong's county-level units at the 2020 census (7th National Population Census), one row
# each in shandong-counties.csv: students are the residents aged 6-14 (population, a stand-in
# for enrolment), towns the townships (镇, 乡) of the 2023 statistical division codes, urban
# share the census's urban residents, county-seat schools in proportion to urban children;
# values outside the model's ranges are brought to the nearest accepted one
# (data/shandong-units.csv lists each). Built by data/build_shandong.py;
# docs/shandong.md gives the sources, the totals, the spread and what is left out.
#
#   ruraledu province scenarios/shandong.toml                      # the baseline
#   ruraledu province scenarios/shandong.toml --package scenarios/gaotang-2027.toml
name = "shandong"
description = "Shandong's {len(shipped)} county-level units (2020 census, 2023 townships)."
counties = "{COUNTIES_CSV.name}"
package = "baseline.toml"
seed = {SEED}
""", encoding="utf-8")


def summary(units: pd.DataFrame, province: pd.Series) -> str:
    """Totals, and the spread across units by kind of the census values and of the values
    shipped (for docs/shandong.md)."""
    shipped = units[units["shipped"]]
    kinds = ("市辖区", "县级市", "县", "开发区")
    lines = [f"census aged 6-14, province row: {round(aged_6_to_14(province)):,}",
             f"units {len(units)}: aged 6-14 {units['aged_6_14'].sum():,}, townships "
             f"{units['townships'].sum():,} (镇 {units['镇_2023'].sum():,}, 乡 "
             f"{units['乡_2023'].sum():,}; 街道 {units['街道_2023'].sum():,}, other "
             f"{units['other_2023'].sum():,})",
             f"shipped {len(shipped)}: students {shipped['students'].sum():,}, towns "
             f"{shipped['towns'].sum():,}",
             f"brought into range: towns {(shipped['towns'] != shipped['townships']).sum()} "
             f"(up {(shipped['towns'] > shipped['townships']).sum()}, down "
             f"{(shipped['towns'] < shipped['townships']).sum()}), urban shares "
             f"{(shipped['urban_share'] != shipped['urban_share_census'].round(3)).sum()}"]
    for title, frame, cols in (
            ("census", units, ("aged_6_14", "townships", "urban_share_census")),
            ("shipped", shipped, ("students", "towns", "urban_share"))):
        lines += ["", f"{title}: | kind | units | {' | '.join(f'{c} min / median / max' for c in cols)} |"]
        for kind, g in [*((k, frame[frame["census_kind"] == k]) for k in kinds), ("all", frame)]:
            cells = [f"{g[c].min():,.2f} / {g[c].median():,.2f} / {g[c].max():,.2f}"
                     if c.startswith("urban") else
                     f"{g[c].min():,} / {g[c].median():,.0f} / {g[c].max():,}" for c in cols]
            lines.append(f"| {kind} | {len(g)} | {' | '.join(cells)} |")
        lines.append("total by kind: " + ", ".join(
            f"{k} {frame.loc[frame['census_kind'] == k, cols[0]].sum():,} / "
            f"{frame.loc[frame['census_kind'] == k, cols[1]].sum():,}" for k in kinds))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("census", type=Path, help="census_county_2020_v1.xlsx (leiii/census)")
    ap.add_argument("areas", type=Path, help="dist/areas.csv (modood/Administrative-divisions-of-China)")
    ap.add_argument("streets", type=Path, help="dist/streets.csv (the same repository)")
    ap.add_argument("--any-version", action="store_true",
                    help="build from inputs whose digests differ from the cited versions")
    args = ap.parse_args()
    for key in DIGESTS:
        path = getattr(args, key)
        if sha256(path) != DIGESTS[key] and not args.any_version:
            raise SystemExit(f"{path}: not the version docs/shandong.md cites (SHA-256 "
                             f"{DIGESTS[key]}); --any-version builds from it anyway")
    units, province = build(args.census, args.areas, args.streets)
    write(units)
    print(summary(units, province))
    return 0


if __name__ == "__main__":
    sys.exit(main())
