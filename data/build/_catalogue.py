"""Hand-made tables used by build_region.py: item catalogue, reserve norms,
league seats, team rosters and the settings of each embedded region, with the two small
rules that read them (norms per level, which depots hold which items).

Item sizes follow the Ministry of Civil Affairs relief-tent standard MZ/T 011-2010
(8, 12 and 36 m2 single tents, 12 and 36 m2 cotton tents, toilet tent), the Shanghai
Red Cross standing relief-supply catalogue (2021 edition) and the Red Cross family-kit
standard. Weights and volumes are typical packed figures per unit, rounded; they are
planning values, not the specification of any one supplier.
"""

# code: (name, name_en, unit, weight_kg, volume_m3, shelf_life_days or None, category)
ITEMS = {
    "TENT8": ("8平方米单帐篷", "8 m2 single relief tent", "tent", 28, 0.14, None, "shelter"),
    "TENT12": ("12平方米单帐篷", "12 m2 single relief tent (3.7 m x 3.2 m)", "tent", 40, 0.20, None, "shelter"),
    "TENT36": ("36平方米单帐篷", "36 m2 single relief tent", "tent", 105, 0.50, None, "shelter"),
    "CTENT12": ("12平方米棉帐篷", "12 m2 cotton (winterised) tent", "tent", 80, 0.45, None, "shelter"),
    "CTENT36": ("36平方米棉帐篷", "36 m2 cotton (winterised) tent", "tent", 210, 1.10, None, "shelter"),
    "TOILET": ("卫生间帐篷", "toilet tent", "tent", 15, 0.06, None, "shelter"),
    "YURT": ("救灾蒙古包", "relief Mongolian yurt", "set", 380, 2.50, None, "shelter"),
    "QUILT": ("棉被", "quilt, 2 m x 1.8 m, vacuum-compressed", "piece", 3.0, 0.020, None, "bedding"),
    "BLANKET": ("毛毯", "blanket, 2 m x 1.5 m, 30 % wool", "piece", 2.0, 0.012, None, "bedding"),
    "SBAG": ("防寒睡袋", "cold-weather sleeping bag", "piece", 2.2, 0.018, None, "bedding"),
    "BED": ("折叠床", "folding bed, single", "piece", 11, 0.07, None, "bedding"),
    "MAT": ("防潮垫", "moisture-proof sleeping mat", "piece", 0.6, 0.012, None, "bedding"),
    "COAT": ("棉大衣", "padded cotton coat", "piece", 2.5, 0.020, None, "clothing"),
    "JACKET": ("冲锋衣", "weatherproof jacket, detachable liner", "piece", 1.2, 0.008, None, "clothing"),
    "RAINCOAT": ("雨衣", "raincoat", "piece", 0.4, 0.002, None, "clothing"),
    "KIT": ("家庭生活应急包", "family emergency kit (17 articles, one household)", "kit", 6.5, 0.040, None, "kits"),
    "FOOD": ("方便食品", "instant food, case", "case", 10, 0.040, 365, "food"),
    "BISCUIT": ("压缩饼干", "compressed biscuits, case", "case", 10, 0.020, 1095, "food"),
    "WATER": ("瓶装饮用水（24×550毫升）", "bottled water, case of 24 x 550 ml", "case", 13.5, 0.020, 730, "water"),
    "WBAG": ("折叠水桶（20升）", "collapsible water container, 20 l", "piece", 0.8, 0.004, None, "water"),
    "LAMP": ("应急照明灯", "rechargeable emergency lamp", "piece", 1.0, 0.004, None, "lighting"),
    "LTOWER": ("移动照明灯组", "mobile site-lighting set", "set", 60, 0.35, None, "lighting"),
    "MASK": ("一次性医用外科口罩（50只/盒）", "surgical masks, box of 50", "box", 0.25, 0.0025, 1095, "medical"),
    "FAK": ("急救包", "first-aid kit", "kit", 1.0, 0.004, 1095, "medical"),
    "STOVE": ("帐篷取暖炉", "tent heating stove", "piece", 25, 0.12, None, "heating"),
    "COAL": ("取暖用煤（25千克/袋）", "heating coal, 25 kg bag", "bag", 25, 0.025, None, "heating"),
}

# Letter that starts the lot code of a perishable item (letter + production date).
LOT_LETTER = {"FOOD": "F", "BISCUIT": "B", "WATER": "W", "MASK": "M", "FAK": "A"}

# Reserve norms (min, max) per depot level. The Shanghai catalogue (a city of 25 million,
# little shelter need) keeps quilts and blankets 1500-3000, 12 m2 tents 100-200, family
# kits 1000-2000, jackets 500-1000, folding beds 200-400 and masks 5000-10000 pieces.
# A province-level region depot in Inner Mongolia holds several times that, with far more
# tents and winter items; a league depot about a catalogue's worth; a county depot a tenth.
#         region           league          county
NORMS = {
    "TENT8": ((500, 1000), (80, 200), (10, 30)),
    "TENT12": ((1000, 2000), (150, 400), (20, 60)),
    "TENT36": ((100, 200), (20, 50), (2, 6)),
    "CTENT12": ((800, 1600), (100, 300), (10, 40)),
    "CTENT36": ((80, 160), (10, 30), (1, 4)),
    "TOILET": ((100, 200), (15, 40), (2, 6)),
    "YURT": ((50, 100), (5, 20), (0, 0)),
    "QUILT": ((6000, 12000), (1000, 2500), (100, 300)),
    "BLANKET": ((6000, 12000), (1000, 2500), (100, 300)),
    "SBAG": ((3000, 6000), (500, 1200), (50, 150)),
    "BED": ((800, 1600), (150, 400), (20, 50)),
    "MAT": ((3000, 6000), (500, 1200), (50, 150)),
    "COAT": ((4000, 8000), (600, 1500), (60, 200)),
    "JACKET": ((2000, 4000), (300, 800), (30, 100)),
    "RAINCOAT": ((3000, 6000), (500, 1200), (50, 150)),
    "KIT": ((4000, 8000), (600, 1500), (60, 200)),
    "FOOD": ((2000, 4000), (300, 800), (30, 100)),
    "BISCUIT": ((1000, 2000), (150, 400), (15, 50)),
    "WATER": ((3000, 6000), (500, 1200), (50, 150)),
    "WBAG": ((300, 600), (50, 120), (5, 20)),
    "LAMP": ((2000, 4000), (300, 800), (30, 100)),
    "LTOWER": ((20, 40), (3, 8), (0, 2)),
    "MASK": ((400, 800), (60, 150), (10, 30)),
    "FAK": ((2000, 4000), (300, 800), (30, 100)),
    "STOVE": ((800, 1600), (100, 300), (10, 40)),
    "COAL": ((1000, 2000), (200, 500), (20, 80)),
}

# Zhaoqing (a prefecture-level city, subtropical, flood-prone) keeps its own norms:
# the city reserve centre at the Shanghai-catalogue scale, county depots as above.
# Items it does not stock (yurts, cotton tents, heating) have norm 0.
ZHAOQING_EXCLUDED = {"YURT", "CTENT12", "CTENT36", "STOVE", "COAL"}
ZHAOQING_REGION_NORMS = {
    "TENT8": (60, 120), "TENT12": (100, 200), "TENT36": (10, 20), "TOILET": (10, 20),
    "QUILT": (1500, 3000), "BLANKET": (1500, 3000), "SBAG": (300, 600), "BED": (200, 400),
    "MAT": (500, 1000), "COAT": (200, 400), "JACKET": (500, 1000), "RAINCOAT": (1000, 2000),
    "KIT": (1000, 2000), "FOOD": (500, 1000), "BISCUIT": (300, 600), "WATER": (1000, 2000),
    "WBAG": (100, 200), "LAMP": (500, 1000), "LTOWER": (4, 8), "MASK": (100, 200),
    "FAK": (500, 1000),
}

# League code -> adcode of the seat (where the league depot and league team are).
LEAGUE_SEATS = {
    "1501": "150102",  # 呼和浩特市 新城区
    "1502": "150203",  # 包头市 昆都仑区
    "1503": "150302",  # 乌海市 海勃湾区
    "1504": "150402",  # 赤峰市 红山区
    "1505": "150502",  # 通辽市 科尔沁区
    "1506": "150602",  # 鄂尔多斯市 东胜区
    "1507": "150702",  # 呼伦贝尔市 海拉尔区
    "1508": "150802",  # 巴彦淖尔市 临河区
    "1509": "150902",  # 乌兰察布市 集宁区
    "1522": "152201",  # 兴安盟 乌兰浩特市
    "1525": "152502",  # 锡林郭勒盟 锡林浩特市
    "1529": "152921",  # 阿拉善盟 阿拉善左旗
}

# Leagues with large pastoral banners keep yurts; the cold north-east keeps more cotton tents.
PASTORAL = {"1504", "1505", "1506", "1507", "1508", "1522", "1525", "1529"}
NORTH_EAST = {"1507", "1522", "1525"}

# pastoral.csv: Inner Mongolia's classification of pastoral banners (牧业旗, officially 33)
# and semi-agricultural, semi-pastoral banners and counties (半农半牧旗县, officially 21).
# Compiled from descriptions of each division as 牧业旗 / 半农半牧旗 without the published
# table at hand: 32 and 20 are listed; one of each is not identified (see data/README.md).
HERDING = {
    "inner-mongolia": {
        **dict.fromkeys(["150724", "150725", "150726", "150727",  # 呼伦贝尔 鄂温克 陈巴尔虎 新左 新右
                         "152222", "150526",  # 科右中旗, 扎鲁特旗
                         "150421", "150423", "150425", "150426",  # 阿鲁科尔沁 巴林右 克什克腾 翁牛特
                         "152501", "152502", "152522", "152523", "152524", "152525", "152526", "152528",
                         "152529", "152530",  # 锡林郭勒: 二连浩特 锡林浩特 and its pastoral banners
                         "150929", "150223",  # 四子王旗, 达尔罕茂明安联合旗
                         "150623", "150624", "150625", "150626", "150627",  # 鄂尔多斯 western banners
                         "150824", "150825",  # 乌拉特中旗, 乌拉特后旗
                         "152921", "152922", "152923"], "pastoral"),  # 阿拉善 three banners
        **dict.fromkeys(["152221", "152223", "152224",  # 科右前旗 扎赉特旗 突泉县
                         "150521", "150522", "150523", "150524", "150525",  # 科左中 科左后 开鲁 库伦 奈曼
                         "150422", "150424", "150430",  # 巴林左旗 林西县 敖汉旗
                         "152527", "152531",  # 太仆寺旗, 多伦县
                         "150927", "150928",  # 察右中旗, 察右后旗
                         "150621", "150622", "150823",  # 达拉特旗 准格尔旗 乌拉特前旗
                         "150222", "150125"], "semi-pastoral"),  # 固阳县, 武川县
    },
    "zhaoqing": {},
}
WINTER_ITEMS = {"CTENT12", "CTENT36", "STOVE", "COAL", "COAT", "SBAG"}

BASE_SKILLS = "shelter;distribution;first-aid"
LEAGUE_SKILLS = {
    "1501": "search-rescue;logistics", "1502": "search-rescue", "1503": "water",
    "1504": "search-rescue;water", "1505": "water", "1506": "search-rescue;logistics",
    "1507": "cold-weather;water", "1508": "water", "1509": "cold-weather",
    "1522": "cold-weather;water", "1525": "cold-weather;logistics", "1529": "water;search-rescue",
}
RESTING_LEAGUE = "1503"  # 乌海市 team is resting after a deployment

# Region-level teams: (name, kind, members, vehicles, skills)
IM_REGION_TEAMS = [
    ("内蒙古红十字赈济救援队", "relief", 60, 12,
     "shelter;distribution;search-rescue;water;logistics;cold-weather"),
    ("内蒙古红十字医疗救护队", "medical", 40, 8, "first-aid;logistics;cold-weather"),
    ("内蒙古红十字心理救援队", "psych", 24, 3, "psychosocial;first-aid"),
]
ZQ_CITY_TEAMS = [
    ("肇庆市红十字应急救援队", "relief", 48, 10, "shelter;distribution;search-rescue;water;logistics"),
    ("肇庆市红十字医疗救护队", "medical", 36, 6, "first-aid;psychosocial;logistics"),
]
ZQ_COUNTY_SKILLS = "shelter;distribution;first-aid;water"
# How teams travel (assumptions, see data/README.md): a convoy of the team's own vehicles on
# trunk roads, slower with 10 or more vehicles; minutes from the call until it leaves its
# base, by the level of the depot it is based at.
TEAM_SPEED, TEAM_SPEED_LONG_CONVOY, LONG_CONVOY = 70, 60, 10
TEAM_MOBILISE_MIN = {"region": 60, "league": 90, "county": 120}

REGIONS = {
    "inner-mongolia": {
        "prefix": "15615", "name": "Inner Mongolia", "name_zh": "内蒙古自治区",
        "household_size": 2.35, "tolerance": 0.01, "seed": 2020, "leagues": True,
        # [seasons] of region.toml: winter items from November to March (heating season);
        # blizzards (白灾) December to mid-March; summer floods mid-June to mid-September.
        "seasons": ["winter_months = [11, 12, 1, 2, 3]  # heating season: cotton tents, quilts, coats, stoves, coal",
                    'blizzard = ["12-01", "03-15"]  # days batch drills date blizzards on',
                    'flood = ["06-15", "09-15"]  # days batch drills date floods on'],
        # (code, name, adcode, lon, lat, capacity_m3, outbound_t_day)
        "centre": ("R15", "内蒙古自治区红十字会备灾救灾中心", "150105", 111.7000, 40.8000, 20000, 400),
    },
    "zhaoqing": {
        "prefix": "1564412", "name": "Zhaoqing", "name_zh": "肇庆市",
        "household_size": 3.0, "tolerance": 0.005, "seed": 4412, "leagues": False,
        # Subtropical: no heating season, so no cotton tents, stoves or coal; floods in the
        # pre-flood season (April-June) and the typhoon season (July-September).
        "seasons": ["winter_months = []  # subtropical: no month needs winter items (coal, stoves, cotton tents)",
                    'flood = ["04-01", "09-30"]  # days batch drills date floods on'],
        "centre": ("R4412", "肇庆市红十字会救灾物资储备中心", "441202", 112.4700, 23.0500, 6000, 150),
    },
}


def norms_for(cfg):
    """Return {(level, item): (min, max)} for a region."""
    out = {}
    for item, (r, lg, c) in NORMS.items():
        if cfg["leagues"]:
            out.update({("region", item): r, ("league", item): lg, ("county", item): c})
        else:
            skip = item in ZHAOQING_EXCLUDED
            out[("region", item)] = (0, 0) if skip else ZHAOQING_REGION_NORMS[item]
            out[("county", item)] = (0, 0) if skip else c
    return out


def holds(depot, item, cfg):
    """Whether a depot keeps this item at all (yurts only at region and pastoral leagues)."""
    if item == "YURT":
        return cfg["leagues"] and (depot["level"] == "region" or
                                   (depot["level"] == "league" and depot["league"] in PASTORAL))
    return cfg["leagues"] or item not in ZHAOQING_EXCLUDED
