"""Deterministic generators for the Heze demo: names, sizes and valid credit codes."""

from __future__ import annotations

import random
from collections.abc import Iterator

from zhengcai.organizations.rules import ALPHABET, make_credit_code

SEED = 371700

BUDGET_UNIT_TEMPLATES = [
    "{r}教育局",
    "{r}卫生健康局",
    "{r}公安局",
    "{r}交通运输局",
    "{r}自然资源和规划局",
    "{r}住房和城乡建设局",
    "{r}农业农村局",
    "{r}水务局",
    "{r}文化和旅游局",
    "{r}市场监督管理局",
    "{r}民政局",
    "{r}人力资源和社会保障局",
    "{r}应急管理局",
    "{r}统计局",
    "{r}审计局",
    "{r}司法局",
    "{r}退役军人事务局",
    "{r}商务局",
    "{r}城市管理局",
    "{r}人民医院",
    "{r}中医医院",
    "{r}妇幼保健院",
    "{r}疾病预防控制中心",
    "{r}第一中学",
    "{r}第二中学",
    "{r}实验小学",
    "{r}职业中等专业学校",
    "{r}图书馆",
    "{r}档案馆",
    "{r}机关事务服务中心",
]
CITY_NAME_FIX = {"{r}卫生健康局": "{r}卫生健康委员会"}

AGENCY_WORDS = [
    "正信",
    "中诚",
    "鲁菏",
    "华夏",
    "信达",
    "恒通",
    "广源",
    "德信",
    "明正",
    "诚泰",
    "公信",
    "合众",
    "天平",
    "汇正",
    "中衡",
    "鼎信",
    "立信",
    "盛华",
    "东方",
    "齐鲁",
]
AGENCY_SUFFIXES = ["招标代理有限公司", "项目管理有限公司"]

SUPPLIER_WORDS = [
    "鑫源",
    "宏达",
    "瑞丰",
    "恒泰",
    "佳禾",
    "金盛",
    "华信",
    "永安",
    "润通",
    "博远",
    "嘉业",
    "创新",
    "正大",
    "富源",
    "天成",
    "腾飞",
    "远航",
    "兴隆",
    "利民",
    "顺达",
    "安泰",
    "康宁",
    "同心",
    "明德",
    "牡丹",
    "银河",
    "立达",
    "丰泽",
    "致远",
    "盛世",
    "启航",
    "汇智",
    "东升",
    "新元",
    "德邦",
    "亿联",
    "中科",
    "华瑞",
    "聚能",
    "绿源",
]
SUPPLIER_INDUSTRIES = [
    ("办公设备", "办公设备、计算机及耗材销售"),
    ("信息技术", "软件开发、信息系统集成服务"),
    ("医疗器械", "医疗器械销售、维修"),
    ("建筑工程", "房屋建筑、市政工程施工"),
    ("物业管理", "物业管理、保洁服务"),
    ("家具", "办公家具制造、销售"),
    ("印刷", "印刷品、包装装潢印刷"),
    ("电子科技", "电子产品、安防监控设备销售及安装"),
    ("餐饮管理", "食堂承包、餐饮服务"),
    ("农业科技", "农业技术推广、种子化肥销售"),
    ("环保科技", "环境治理、垃圾清运服务"),
    ("教育装备", "教学仪器、实验室设备销售"),
    ("汽车服务", "车辆维修、保养"),
    ("文化传媒", "广告设计、会展服务"),
    ("商贸", "日用百货、劳保用品销售"),
    ("园林绿化", "园林绿化工程、苗木销售"),
    ("检测技术", "检验检测、计量校准服务"),
    ("保安服务", "门卫、巡逻、守护服务"),
]
SUPPLIER_FORMS = ["有限公司", "有限责任公司", "科技有限公司", "股份有限公司"]
SIZE_WEIGHTS = [("large", 3), ("medium", 12), ("small", 40), ("micro", 45)]

BANKS = [
    "中国工商银行股份有限公司菏泽分行",
    "中国农业银行股份有限公司菏泽分行",
    "中国银行股份有限公司菏泽分行",
    "中国建设银行股份有限公司菏泽分行",
    "交通银行股份有限公司菏泽分行",
    "山东菏泽农村商业银行股份有限公司",
    "齐商银行股份有限公司菏泽分行",
    "恒丰银行股份有限公司菏泽分行",
]
GUARANTORS = [
    "菏泽市融资担保有限公司",
    "菏泽市中小企业融资担保有限公司",
    "曹县融资担保有限公司",
    "山东菏泽信达融资担保有限公司",
    "单县惠民融资担保有限公司",
]

_ORG_BODY_ALPHABET = "0123456789" + "".join(ch for ch in ALPHABET if ch.isalpha())


def credit_code(rng: random.Random, division: str, category: str = "1", authority: str = "9") -> str:
    body = "".join(rng.choice(_ORG_BODY_ALPHABET) for _ in range(8))
    return make_credit_code(authority, category, division, body)


def short(region_name: str) -> str:
    """曹县 → 曹县 (kept), 牡丹区 → 牡丹区, 菏泽市 → 菏泽."""
    return region_name[:-1] if region_name.endswith("市") else region_name


def supplier_names(rng: random.Random, region_short: str, count: int) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    while len(seen) < count:
        word = rng.choice(SUPPLIER_WORDS)
        industry, scope = rng.choice(SUPPLIER_INDUSTRIES)
        form = rng.choice(SUPPLIER_FORMS)
        if form == "科技有限公司" and industry.endswith("科技"):
            form = "有限公司"
        name = f"{region_short}{word}{industry}{form}"
        if name in seen:
            name = f"{region_short}{word}{rng.choice(SUPPLIER_WORDS[:20])}{industry}{form}"
        if name in seen:
            continue
        seen.add(name)
        yield name, scope


def weighted_size(rng: random.Random) -> str:
    sizes, weights = zip(*SIZE_WEIGHTS, strict=True)
    return rng.choices(sizes, weights=weights, k=1)[0]
