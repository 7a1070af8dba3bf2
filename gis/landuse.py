"""Land-use classes of GB/T 21010-2017 with Chinese and English names."""

from __future__ import annotations

from gis.errors import InvalidInput

FIRST_LEVEL: dict[str, tuple[str, str]] = {
    "01": ("耕地", "cropland"),
    "02": ("园地", "orchard land"),
    "03": ("林地", "forest land"),
    "04": ("草地", "grassland"),
    "05": ("商服用地", "commercial and service"),
    "06": ("工矿仓储用地", "industrial, mining and storage"),
    "07": ("住宅用地", "residential"),
    "08": ("公共管理与公共服务用地", "public administration and services"),
    "09": ("特殊用地", "special use"),
    "10": ("交通运输用地", "transport"),
    "11": ("水域及水利设施用地", "water and water facilities"),
    "12": ("其他土地", "other land"),
}

SECOND_LEVEL: dict[str, tuple[str, str]] = {
    "0101": ("水田", "paddy field"),
    "0102": ("水浇地", "irrigated land"),
    "0103": ("旱地", "dry land"),
    "0201": ("果园", "orchard"),
    "0202": ("茶园", "tea garden"),
    "0203": ("橡胶园", "rubber plantation"),
    "0204": ("其他园地", "other garden land"),
    "0301": ("乔木林地", "arbor forest"),
    "0302": ("竹林地", "bamboo forest"),
    "0303": ("红树林地", "mangrove forest"),
    "0304": ("森林沼泽", "forest swamp"),
    "0305": ("灌木林地", "shrubland"),
    "0306": ("灌丛沼泽", "shrub swamp"),
    "0307": ("其他林地", "other woodland"),
    "0401": ("天然牧草地", "natural pasture"),
    "0402": ("沼泽草地", "marsh grassland"),
    "0403": ("人工牧草地", "artificial pasture"),
    "0404": ("其他草地", "other grassland"),
    "0501": ("零售商业用地", "retail"),
    "0502": ("批发市场用地", "wholesale market"),
    "0503": ("餐饮用地", "catering"),
    "0504": ("旅馆用地", "hotel"),
    "0505": ("商务金融用地", "business and finance"),
    "0506": ("娱乐用地", "entertainment"),
    "0507": ("其他商服用地", "other commercial"),
    "0601": ("工业用地", "industrial"),
    "0602": ("采矿用地", "mining"),
    "0603": ("盐田", "salt pan"),
    "0604": ("仓储用地", "storage"),
    "0701": ("城镇住宅用地", "urban residential"),
    "0702": ("农村宅基地", "rural homestead"),
    "0801": ("机关团体用地", "government and organisations"),
    "0802": ("新闻出版用地", "press and publishing"),
    "0803": ("教育用地", "education"),
    "0804": ("科研用地", "research"),
    "0805": ("医疗卫生用地", "medical and health"),
    "0806": ("社会福利用地", "social welfare"),
    "0807": ("文化设施用地", "cultural facilities"),
    "0808": ("体育用地", "sports"),
    "0809": ("公用设施用地", "public utilities"),
    "0810": ("公园与绿地", "parks and green space"),
    "0901": ("军事设施用地", "military"),
    "0902": ("使领馆用地", "embassies and consulates"),
    "0903": ("监教场所用地", "detention and correction"),
    "0904": ("宗教用地", "religious"),
    "0905": ("殡葬用地", "funeral"),
    "0906": ("风景名胜设施用地", "scenic-area facilities"),
    "1001": ("铁路用地", "railway"),
    "1002": ("轨道交通用地", "rail transit"),
    "1003": ("公路用地", "highway"),
    "1004": ("城镇村道路用地", "urban and village roads"),
    "1005": ("交通服务场站用地", "transport stations"),
    "1006": ("农村道路", "rural roads"),
    "1007": ("机场用地", "airport"),
    "1008": ("港口码头用地", "port and wharf"),
    "1009": ("管道运输用地", "pipeline transport"),
    "1101": ("河流水面", "river"),
    "1102": ("湖泊水面", "lake"),
    "1103": ("水库水面", "reservoir"),
    "1104": ("坑塘水面", "pond"),
    "1105": ("沿海滩涂", "coastal tidal flat"),
    "1106": ("内陆滩涂", "inland tidal flat"),
    "1107": ("沟渠", "ditch"),
    "1108": ("沼泽地", "swamp"),
    "1109": ("水工建筑用地", "hydraulic structures"),
    "1110": ("冰川及永久积雪", "glacier and permanent snow"),
    "1201": ("空闲地", "vacant land"),
    "1202": ("设施农用地", "agricultural facilities"),
    "1203": ("田坎", "field ridge"),
    "1204": ("盐碱地", "saline-alkali land"),
    "1205": ("沙地", "sandy land"),
    "1206": ("裸土地", "bare soil"),
    "1207": ("裸岩石砾地", "bare rock and gravel"),
}

CONSTRUCTION_CLASSES = frozenset({"05", "06", "07", "08", "09", "10"})
AGRICULTURAL_CLASSES = frozenset({"01", "02", "03", "04"})


def is_valid(code: str) -> bool:
    return code in FIRST_LEVEL or code in SECOND_LEVEL


def check(code: str, field: str = "land_use") -> str:
    """Return ``code`` if it is a GB/T 21010 class, else raise InvalidInput naming ``field``."""
    if not is_valid(code):
        raise InvalidInput(
            f"{code!r} is not a GB/T 21010-2017 land-use class (2 or 4 digits, e.g. 07 or 0701)",
            field=field,
        )
    return code


def first_level(code: str) -> str:
    return code[:2]


def names(code: str) -> tuple[str, str]:
    """(Chinese, English) name of a class, or of its first level for unknown 4-digit codes."""
    return SECOND_LEVEL.get(code) or FIRST_LEVEL.get(code[:2], ("未知", "unknown"))


def is_construction(code: str) -> bool:
    """True for built-up classes (05-10) that need construction land in the plan."""
    return code[:2] in CONSTRUCTION_CLASSES
