"""Static tables for the demo procurement data: catalogue items with title templates, methods, texts.

Catalogue codes follow the shape of the 政府采购品目分类目录 (A goods, B works, C services, then
digits). A02010104, A02021000, A05010000, B07000000, C21040000, C16070000 and C23120000 are the
codes the bureau gave as examples; the others were chosen to fit the same structure and are for
the demo only: check them against the official catalogue before reusing them anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhengcai.procurement.rules import Category, Method

# Groups of budget units (by their name template in data.BUDGET_UNIT_TEMPLATES); every unit is
# also in "office" (it buys computers, furniture, property management like everybody else).
UNIT_GROUPS: dict[str, frozenset[str]] = {
    "{r}教育局": frozenset({"edu"}),
    "{r}卫生健康局": frozenset({"health"}),
    "{r}公安局": frozenset({"police"}),
    "{r}交通运输局": frozenset({"infra"}),
    "{r}住房和城乡建设局": frozenset({"infra"}),
    "{r}农业农村局": frozenset({"agri"}),
    "{r}水务局": frozenset({"water"}),
    "{r}文化和旅游局": frozenset({"culture"}),
    "{r}市场监督管理局": frozenset({"market"}),
    "{r}城市管理局": frozenset({"infra", "city"}),
    "{r}人民医院": frozenset({"hospital"}),
    "{r}中医医院": frozenset({"hospital"}),
    "{r}妇幼保健院": frozenset({"hospital"}),
    "{r}疾病预防控制中心": frozenset({"health", "lab"}),
    "{r}第一中学": frozenset({"school"}),
    "{r}第二中学": frozenset({"school"}),
    "{r}实验小学": frozenset({"school"}),
    "{r}职业中等专业学校": frozenset({"school"}),
    "{r}图书馆": frozenset({"library", "culture"}),
    "{r}档案馆": frozenset({"archive"}),
    "{r}机关事务服务中心": frozenset({"gov"}),
}
# How much each kind of unit buys, relative to a plain office (1).
UNIT_WEIGHTS: dict[str, int] = {
    "{r}教育局": 4,
    "{r}卫生健康局": 2,
    "{r}公安局": 3,
    "{r}交通运输局": 2,
    "{r}住房和城乡建设局": 3,
    "{r}水务局": 2,
    "{r}城市管理局": 3,
    "{r}人民医院": 5,
    "{r}中医医院": 3,
    "{r}妇幼保健院": 2,
    "{r}疾病预防控制中心": 2,
    "{r}第一中学": 3,
    "{r}第二中学": 3,
    "{r}实验小学": 2,
    "{r}职业中等专业学校": 2,
    "{r}机关事务服务中心": 3,
}
# Share of the projects per region (city first, in the order of regions.DISTRICTS_AND_COUNTIES).
REGION_WEIGHTS = [22, 10, 7, 10, 9, 7, 8, 8, 7, 8]


@dataclass(frozen=True)
class TitleTemplate:
    groups: frozenset[str]  # unit groups that buy this ("office" = any unit)
    title: str  # {u} unit name, {r} region name, {y} year
    summary: str  # {q} a quantity derived from the budget


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name: str
    category: Category
    industries: tuple[str, ...]  # supplier industries (data.SUPPLIER_INDUSTRIES) that bid
    budget_yuan: tuple[int, int]  # range of budgets, in yuan
    unit_price_yuan: int  # for the quantity in the demand summary
    templates: tuple[TitleTemplate, ...]


def _t(groups: str, title: str, summary: str) -> TitleTemplate:
    return TitleTemplate(frozenset(groups.split()), title, summary)


A, B, C = Category.GOODS, Category.WORKS, Category.SERVICES

CATALOGUE: tuple[CatalogueItem, ...] = (
    CatalogueItem(
        "A02010104",
        "台式计算机",
        A,
        ("办公设备", "信息技术", "电子科技"),
        (100_000, 3_000_000),
        5_500,
        (
            _t("office", "{u}办公计算机采购项目", "台式计算机{q}台，含正版操作系统，整机三年原厂上门保修。"),
            _t(
                "school",
                "{u}学生计算机教室设备采购项目",
                "学生计算机教室设备一批，学生机及教师机共{q}台，含多媒体教学管理软件及网络布线。",
            ),
            _t("office", "{u}{y}年度信创终端设备采购项目", "国产信创台式计算机{q}台及配套外设，适配现有办公系统。"),
        ),
    ),
    CatalogueItem(
        "A02010105",
        "便携式计算机",
        A,
        ("办公设备", "信息技术", "电子科技"),
        (50_000, 800_000),
        6_500,
        (_t("office", "{u}便携式计算机采购项目", "便携式计算机{q}台，三年原厂保修。"),),
    ),
    CatalogueItem(
        "A02010103",
        "服务器",
        A,
        ("信息技术", "电子科技"),
        (300_000, 5_000_000),
        60_000,
        (
            _t("gov police", "{u}数据中心服务器及存储设备采购项目", "服务器{q}台及配套存储、交换设备，含安装调试。"),
            _t("hospital", "{u}医院信息系统服务器扩容采购项目", "服务器{q}台、存储扩容及数据迁移服务。"),
        ),
    ),
    CatalogueItem(
        "A02021000",
        "打印设备",
        A,
        ("办公设备", "商贸"),
        (50_000, 600_000),
        3_000,
        (_t("office", "{u}打印复印设备采购项目", "激光打印机、多功能一体机共{q}台，含三年耗材供应。"),),
    ),
    CatalogueItem(
        "A02020200",
        "投影仪",
        A,
        ("教育装备", "电子科技", "办公设备"),
        (100_000, 2_000_000),
        18_000,
        (
            _t("school edu", "{u}多媒体教室设备采购项目", "交互式智能平板及多媒体教学设备{q}套，含安装及培训。"),
            _t("office", "{u}会议室音视频系统采购项目", "会议室音视频及显示设备{q}套，含集成调试。"),
        ),
    ),
    CatalogueItem(
        "A02100000",
        "仪器仪表",
        A,
        ("教育装备", "检测技术"),
        (100_000, 2_500_000),
        25_000,
        (
            _t("school edu", "{u}理化生实验室设备采购项目", "物理、化学、生物实验室仪器设备{q}套，含实验台及安装。"),
            _t("lab market", "{u}检验检测实验室仪器设备采购项目", "检验检测仪器设备{q}台（套），含安装调试及培训。"),
        ),
    ),
    CatalogueItem(
        "A05010000",
        "家具",
        A,
        ("家具",),
        (100_000, 4_000_000),
        1_200,
        (
            _t("school edu", "{u}学生课桌椅采购项目", "学生课桌椅{q}套，符合GB/T 3976标准。"),
            _t("school", "{u}学生宿舍家具采购项目", "学生宿舍上床下桌组合家具{q}套。"),
            _t("office", "{u}办公家具采购项目", "办公桌椅、文件柜等办公家具{q}件。"),
            _t("hospital", "{u}病房家具采购项目", "病床、床头柜及陪护椅等病房家具{q}件。"),
        ),
    ),
    CatalogueItem(
        "A05040000",
        "办公用品",
        A,
        ("商贸", "办公设备"),
        (50_000, 500_000),
        200,
        (
            _t("office", "{u}{y}年度办公用品及耗材采购项目", "办公用品及打印耗材一批，约{q}件，分批供货。"),
            _t("city police", "{u}劳保用品采购项目", "劳保服装、防护用品一批，约{q}件。"),
        ),
    ),
    CatalogueItem(
        "A02320000",
        "医疗设备",
        A,
        ("医疗器械",),
        (500_000, 8_000_000),
        400_000,
        (
            _t(
                "hospital",
                "{u}彩色多普勒超声诊断系统采购项目",
                "彩色多普勒超声诊断系统{q}台，含安装、培训及五年保修。",
            ),
            _t("hospital", "{u}全自动生化分析仪采购项目", "全自动生化分析仪{q}台及配套试剂开放使用。"),
            _t("hospital", "{u}数字化X射线摄影系统（DR）采购项目", "数字化X射线摄影系统{q}套，含机房防护改造配合。"),
            _t("hospital", "{u}医用内窥镜系统采购项目", "医用电子内窥镜系统{q}套及清洗消毒设备。"),
            _t("lab", "{u}实验室检测设备采购项目", "PCR扩增仪、生物安全柜等实验室检测设备{q}台（套）。"),
        ),
    ),
    CatalogueItem(
        "A04010000",
        "图书",
        A,
        ("印刷", "文化传媒"),
        (50_000, 1_000_000),
        40,
        (
            _t("library", "{u}{y}年度纸质图书采购项目", "中文纸质图书约{q}册，含编目加工及上架服务。"),
            _t("school", "{u}图书馆图书采购项目", "图书约{q}册，符合中小学图书馆（室）规程。"),
        ),
    ),
    CatalogueItem(
        "A02030500",
        "乘用车",
        A,
        ("汽车服务",),
        (200_000, 2_000_000),
        180_000,
        (_t("police city", "{u}执法执勤车辆采购项目", "执法执勤车辆{q}辆，含标识喷涂及警灯警报器加装。"),),
    ),
    CatalogueItem(
        "B07000000",
        "装修工程",
        B,
        ("建筑工程",),
        (500_000, 4_000_000),
        1_500,
        (
            _t("office", "{u}办公楼装修改造工程", "办公楼内部装修改造约{q}平方米，含水电及消防改造。"),
            _t("school", "{u}教学楼内部装修改造工程", "教学楼内部装修改造约{q}平方米。"),
            _t("hospital", "{u}门诊楼装修改造工程", "门诊楼装修改造约{q}平方米，含医用气体及净化改造。"),
        ),
    ),
    CatalogueItem(
        "B08000000",
        "修缮工程",
        B,
        ("建筑工程",),
        (500_000, 4_000_000),
        800,
        (
            _t("school edu", "{u}校舍维修改造工程", "校舍屋面、门窗及外墙维修改造约{q}平方米。"),
            _t("school", "{u}运动场塑胶跑道改造工程", "运动场塑胶跑道及人造草坪改造约{q}平方米。"),
            _t("office", "{u}办公楼屋面防水维修工程", "屋面防水维修约{q}平方米。"),
            _t("infra city", "{r}城区道路照明设施维修工程", "城区道路路灯及照明线路维修约{q}基。"),
            _t("infra", "{r}城区道路维修养护工程", "城区道路路面修补及附属设施维修约{q}平方米。"),
            _t("water", "{r}农村供水管网维修改造工程", "农村供水管网维修改造约{q}米。"),
        ),
    ),
    CatalogueItem(
        "B06000000",
        "安装工程",
        B,
        ("电子科技", "建筑工程"),
        (300_000, 4_000_000),
        9_000,
        (
            _t("police", "{u}治安视频监控系统建设工程", "治安视频监控点位{q}个，含立杆、光缆敷设及平台接入。"),
            _t("school edu", "{u}校园安防监控系统安装工程", "校园高清监控点位{q}个及一键报警系统。"),
            _t("infra city", "{r}城区智慧路灯安装工程", "智慧路灯{q}基，含单灯控制及平台。"),
        ),
    ),
    CatalogueItem(
        "B05000000",
        "专业施工",
        B,
        ("园林绿化", "建筑工程"),
        (300_000, 4_000_000),
        300,
        (
            _t("infra city", "{r}城区绿化提升工程", "城区道路及游园绿化提升约{q}平方米。"),
            _t("culture", "{u}景区环境整治提升工程", "景区道路、绿化及标识系统整治约{q}平方米。"),
        ),
    ),
    CatalogueItem(
        "C21040000",
        "物业管理服务",
        C,
        ("物业管理", "保安服务"),
        (200_000, 5_000_000),
        60_000,
        (
            _t(
                "hospital",
                "{u}物业管理服务采购",
                "院区保洁、运送、安保及设备运维等物业管理服务，服务人员约{q}人，服务期一年。",
            ),
            _t(
                "office",
                "{u}{y}年度物业管理服务采购项目",
                "办公区保洁、秩序维护及设施维修等物业服务，服务人员约{q}人，服务期一年。",
            ),
            _t(
                "office",
                "{u}办公区物业管理及安保服务项目",
                "办公区物业管理及门卫安保服务，服务人员约{q}人，服务期一年。",
            ),
            _t("school", "{u}校园物业管理服务采购项目", "校园保洁、宿舍管理及安保服务，服务人员约{q}人，服务期一年。"),
        ),
    ),
    CatalogueItem(
        "C16070000",
        "信息技术服务",
        C,
        ("信息技术",),
        (100_000, 3_000_000),
        120_000,
        (
            _t(
                "office",
                "{u}信息化系统运行维护服务项目",
                "业务系统、网络及机房运行维护服务，驻场工程师{q}人，服务期一年。",
            ),
            _t("office", "{u}网络安全运维服务采购项目", "网络安全监测、等级保护整改及应急响应服务，服务期一年。"),
            _t(
                "hospital",
                "{u}医院信息系统运维服务项目",
                "HIS、LIS、PACS等系统运维服务，驻场工程师{q}人，服务期一年。",
            ),
            _t("edu", "{u}智慧教育平台运维服务项目", "区域智慧教育平台运维及数据服务，服务期一年。"),
        ),
    ),
    CatalogueItem(
        "C23120000",
        "商务服务",
        C,
        ("文化传媒", "印刷"),
        (50_000, 800_000),
        20_000,
        (
            _t("culture", "{u}文化旅游宣传推广服务项目", "文旅宣传片拍摄制作及新媒体推广服务，服务期一年。"),
            _t("office", "{u}宣传资料印刷服务采购项目", "宣传册、展板等宣传资料设计印刷，约{q}批次。"),
        ),
    ),
    CatalogueItem(
        "C22040000",
        "餐饮服务",
        C,
        ("餐饮管理",),
        (300_000, 3_000_000),
        50_000,
        (
            _t("school", "{u}学生食堂餐饮服务采购项目", "学生食堂餐饮托管服务，就餐约{q}百人次/日，服务期一年。"),
            _t("hospital gov", "{u}职工食堂餐饮服务采购项目", "职工食堂餐饮托管服务，服务期一年。"),
        ),
    ),
    CatalogueItem(
        "C07030000",
        "环境治理服务",
        C,
        ("环保科技",),
        (300_000, 5_000_000),
        80_000,
        (
            _t("city", "{r}城区生活垃圾清运服务项目", "城区生活垃圾收集清运，配备车辆{q}台，服务期一年。"),
            _t("hospital", "{u}医疗废物暂存及转运服务项目", "医疗废物分类暂存、转运及处置衔接服务，服务期一年。"),
        ),
    ),
    CatalogueItem(
        "C19080000",
        "检验检测服务",
        C,
        ("检测技术",),
        (100_000, 1_500_000),
        300,
        (
            _t("market", "{u}{y}年度食品安全监督抽检服务项目", "食品安全监督抽检约{q}批次，出具检验报告。"),
            _t("water lab", "{u}水质检测服务采购项目", "水源地及管网末梢水质检测约{q}份次。"),
        ),
    ),
    CatalogueItem(
        "C09010000",
        "农业服务",
        C,
        ("农业科技",),
        (100_000, 2_000_000),
        60,
        (_t("agri", "{u}农作物病虫害统防统治服务项目", "小麦、玉米病虫害统防统治约{q}亩。"),),
    ),
    CatalogueItem(
        "C23030000",
        "车辆维修和保养服务",
        C,
        ("汽车服务",),
        (50_000, 600_000),
        3_000,
        (_t("police city gov", "{u}公务车辆维修保养服务项目", "公务及执法车辆定点维修保养，约{q}台次，服务期一年。"),),
    ),
)

# Methods and how often each is used (公开招标 first, then 磋商, 询价, 谈判, some 单一来源 and 框架协议).
METHOD_WEIGHTS: dict[Method, int] = {
    Method.OPEN_TENDER: 48,
    Method.CONSULTATION: 22,
    Method.INQUIRY: 20,
    Method.NEGOTIATION: 7,
    Method.SINGLE_SOURCE: 4,
    Method.FRAMEWORK: 6,
    Method.INVITED_TENDER: 2,
}
# 询价 is for goods with standard specifications; framework agreements for goods and services bought
# repeatedly; works below the tendering threshold go to 磋商 or 谈判 (政府采购法实施条例第二十五条).
METHODS_BY_CATEGORY: dict[Category, frozenset[Method]] = {
    Category.GOODS: frozenset(Method),
    Category.WORKS: frozenset(
        {Method.OPEN_TENDER, Method.CONSULTATION, Method.NEGOTIATION, Method.SINGLE_SOURCE, Method.INVITED_TENDER}
    ),
    Category.SERVICES: frozenset(Method) - {Method.INQUIRY},
}
SINGLE_SOURCE_CODES = frozenset({"C16070000", "A02320000", "A02010103"})  # the original supplier's system
FRAMEWORK_CODES = frozenset({"A02010104", "A02021000", "A05010000", "A05040000", "C23030000"})
BIDDERS: dict[Method, tuple[int, int]] = {  # live bids when the procurement does not fail
    Method.OPEN_TENDER: (3, 11),
    Method.INVITED_TENDER: (3, 5),
    Method.CONSULTATION: (3, 6),
    Method.NEGOTIATION: (3, 5),
    Method.INQUIRY: (3, 6),
    Method.SINGLE_SOURCE: (1, 1),
    Method.FRAMEWORK: (4, 12),
}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "强",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "海燕",
    "建华",
    "志强",
    "晓东",
    "文博",
    "雪梅",
    "立新",
    "红霞",
    "国庆",
    "春梅",
    "振华",
    "玉兰",
    "宏伟",
]

TECHNICAL_RESPONSES = [
    "完全响应采购需求，交货期30日，质保期三年。",
    "完全响应采购需求，交货期20日，质保期五年，提供本地化售后服务。",
    "响应全部实质性要求，交付期45日，免费培训及两年免费维护。",
    "完全响应采购需求，服务期满足要求，配备项目经理一名及专职人员。",
    "响应采购需求，工期60日历天，质量标准合格，缺陷责任期两年。",
]
NOTICE_TEXT = (
    "一、项目基本情况\n采购需求：{summary}\n合同履行期限：{period}\n本项目不接受联合体投标。\n"
    "二、申请人的资格要求\n1. 满足《中华人民共和国政府采购法》第二十二条规定；\n"
    "2. 落实政府采购政策需满足的资格要求：{sme}\n"
    "3. 未被列入失信被执行人、重大税收违法失信主体、政府采购严重违法失信行为记录名单。\n"
    "三、获取采购文件\n通过菏泽市政府采购电子交易系统免费获取，不收取文件费用。\n"
    "四、提交投标（响应）文件\n采用电子投标，投标文件须使用CA数字证书加密后上传。\n"
    "五、对本次采购提出询问、质疑、投诉，请按《政府采购质疑和投诉办法》（财政部令第94号）执行。"
)
SME_TEXT_RESERVED = "本项目专门面向中小企业采购，供应商须提供《中小企业声明函》。"
SME_TEXT_OPEN = "本项目非专门面向中小企业采购，对小微企业报价给予价格扣除。"
PERIODS = {Category.GOODS: "合同签订后30日内交货", Category.WORKS: "60日历天", Category.SERVICES: "一年"}

CORRECTIONS_AFFECTING = [
    "采购需求第二部分技术参数第3项调整，投标截止及开标时间相应顺延。",
    "评分标准及资格要求的表述更正，投标截止及开标时间相应顺延。",
    "采购清单数量调整，最高限价不变，投标截止及开标时间相应顺延。",
]
CORRECTIONS_MINOR = [
    "采购代理机构项目联系人及联系电话变更。",
    "开标地点由电子交易系统线上开标，特此更正说明。",
]
CHALLENGE_DOCS = "采购文件技术参数第3项指向特定品牌，限制了潜在供应商公平竞争，请求修改采购文件。"
ANSWER_DOCS = "经核实，相关技术参数存在倾向性表述，已发布更正公告予以修改，投标截止时间相应顺延。"
CHALLENGE_RESULT = [
    "中标（成交）供应商的报价明显低于其他通过符合性审查供应商的报价，可能影响产品质量或者不能诚信履约，请求复核。",
    "中标（成交）供应商提供的业绩证明材料与事实不符，请求复核评审结果。",
    "评审委员会对我公司技术参数响应的评审有误，请求重新评审。",
]
ANSWER_RESULT = "经组织原评审委员会复核，评审过程及结果符合采购文件规定，质疑事项不成立。"
COMPLAINT_TEXT = "投诉人对质疑答复不满意：{challenge}请求责令重新开展采购活动。"
DECISION_REJECTED = "经调查，投诉事项缺乏事实依据，依据《政府采购质疑和投诉办法》第二十九条第（二）项，驳回投诉。"
DECISION_UPHELD = (
    "经调查，投诉事项成立，中标（成交）结果受到影响，依据《政府采购质疑和投诉办法》第三十二条，"
    "认定中标（成交）结果无效，责令采购人重新开展采购活动。"
)
ACCEPTANCE_PASSED = "经验收，货物（服务、工程）数量、质量及技术指标符合合同约定，验收合格。"
ACCEPTANCE_FAILED = "部分货物规格型号与投标文件不一致，验收不合格，责令供应商限期整改后重新验收。"
