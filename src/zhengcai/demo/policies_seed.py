"""Demo policy library: the key national documents on government procurement with their real titles, numbers
and dates, the documents they replaced (repealed or amended, linked to the replacement), and a few
provincial, Heze city and Cao county documents.

The texts are not the official texts: each is a short excerpt of the structure and the provisions that
DOMAIN.md's rules rest on, marked as such ("要点摘录"); ``source_url`` is left empty rather than guessed. The provincial, city and county entries are ILLUSTRATIVE demo entries — their numbers, dates
and contents are examples, not the bureau's real documents — and say so in their summary and text
("（演示数据）") and carry the tag 演示数据.

Everything goes through the policies services (rules, scope, audit). Idempotent: a document whose number
(or, for one without a number, whose title) is already in the library is left as it is, and a status is
set only on a document still in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from zhengcai.accounts.models import User
from zhengcai.organizations.models import Region
from zhengcai.policies.models import Category, DocumentStatus, PolicyDocument
from zhengcai.policies.services import DocumentInput, category_create, document_create, document_status_set

DEMO_MARK = "（演示数据）"
DEMO_NOTE = (
    "（演示数据）本条目为平台演示用示例，文号、日期和内容均非官方信息；"
    "请以山东省财政厅、菏泽市财政局等机关正式发布的文件为准。"
)
EXCERPT = "【要点摘录，非官方全文，以发布机关公布的文本为准】"

CATEGORIES: list[tuple[str, str, str, int]] = [
    ("法律法规", "Laws and regulations", "laws", 10),
    ("规章制度", "Departmental rules", "rules", 20),
    ("规范性文件", "Normative documents", "normative", 30),
    ("中小企业", "SMEs", "sme", 40),
    ("营商环境", "Business environment", "business-environment", 50),
    ("合同融资", "Contract financing", "contract-financing", 60),
    ("信息公开", "Disclosure", "disclosure", 70),
    ("质疑投诉", "Challenges and complaints", "complaints", 80),
]


@dataclass(frozen=True)
class Seed:
    key: str
    title: str
    number: str
    level: str
    doc_type: str
    issuer: str
    issued_on: dt.date
    effective_on: dt.date
    summary: str
    text: str
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    region_code: str = ""
    source_url: str = ""
    # (status, since, key of the replacing document or "")
    status: tuple[str, dt.date, str] | None = None
    demo: bool = False  # an illustrative entry (DEMO_NOTE in the summary, 演示数据 in the text and tags)


def _text(*points: str) -> str:
    return "\n".join([EXCERPT, *points])


NATIONAL: list[Seed] = [
    Seed(
        key="law2002",
        title="中华人民共和国政府采购法",
        number="中华人民共和国主席令第六十八号",
        level="national",
        doc_type="law",
        issuer="全国人民代表大会常务委员会",
        issued_on=dt.date(2002, 6, 29),
        effective_on=dt.date(2003, 1, 1),
        summary="2002年6月29日第九届全国人民代表大会常务委员会第二十八次会议通过，自2003年1月1日起施行；2014年8月31日修正。",
        text=_text(
            "第一章 总则；第二章 政府采购当事人；第三章 政府采购方式；第四章 政府采购程序；第五章 政府采购合同；"
            "第六章 质疑与投诉；第七章 监督检查；第八章 法律责任；第九章 附则。",
            "第三十五条（要点）：货物和服务项目实行招标方式采购的，自招标文件开始发出之日起至投标截止之日止，不得少于二十日。",
            "第四十六条（要点）：采购人与中标、成交供应商应当在中标、成交通知书发出之日起三十日内签订政府采购合同。",
            "第四十九条（要点）：补充合同的采购金额不得超过原合同采购金额的百分之十。",
            "第五十二条、第五十三条（要点）：供应商可以在知道或者应知其权益受到损害之日起七个工作日内书面质疑；"
            "采购人应当在收到书面质疑后七个工作日内作出答复。",
            "第五十五条（要点）：质疑供应商对答复不满意或者未在规定时间内得到答复的，可以在答复期满后十五个工作日内向"
            "同级政府采购监督管理部门投诉。",
        ),
        categories=("法律法规",),
        tags=("政府采购法",),
        status=("amended", dt.date(2014, 8, 31), "law2014"),
    ),
    Seed(
        key="law2014",
        title="中华人民共和国政府采购法（2014年修正）",
        number="中华人民共和国主席令第十四号",
        level="national",
        doc_type="law",
        issuer="全国人民代表大会常务委员会",
        issued_on=dt.date(2014, 8, 31),
        effective_on=dt.date(2014, 8, 31),
        summary="根据2014年8月31日第十二届全国人民代表大会常务委员会第十次会议《关于修改〈中华人民共和国保险法〉等五部法律的决定》修正。",
        text=_text(
            "本法共九章八十八条，规定政府采购的范围、当事人、采购方式、采购程序、采购合同、质疑与投诉、监督检查和法律责任。",
            "第二十六条（要点）：政府采购采用公开招标、邀请招标、竞争性谈判、单一来源采购、询价以及国务院政府采购监督管理部门"
            "认定的其他采购方式；公开招标应作为政府采购的主要采购方式。",
            "第三十五条（要点）：招标文件发出之日至投标截止之日不得少于二十日（M-OPEN-20D）。",
            "第四十六条（要点）：中标、成交通知书发出之日起三十日内签订合同（D-CONTRACT-30D）。",
            "第四十九条（要点）：补充合同金额不超过原合同金额的百分之十。",
            "第五十二条至第五十五条（要点）：质疑七个工作日、答复七个工作日、投诉十五个工作日（C-CHALLENGE-7WD、C-COMPLAINT-15WD）。",
        ),
        categories=("法律法规",),
        tags=("政府采购法",),
    ),
    Seed(
        key="decree658",
        title="中华人民共和国政府采购法实施条例",
        number="国务院令第658号",
        level="national",
        doc_type="regulation",
        issuer="国务院",
        issued_on=dt.date(2015, 1, 30),
        effective_on=dt.date(2015, 3, 1),
        summary="2014年12月31日国务院第75次常务会议通过，2015年1月30日公布，自2015年3月1日起施行。",
        text=_text(
            "第三十三条（要点）：投标保证金不得超过采购项目预算金额的2%，以支票、汇票、本票或者金融机构、担保机构出具的保函等"
            "非现金形式提交（S-BID-2PCT）。",
            "第三十八条（要点）：因只能从唯一供应商处采购而采用单一来源方式的，应当在公告期不少于5个工作日内公示（M-SINGLE-5WD）。",
            "第四十三条（要点）：采购人或者采购代理机构应当自中标、成交供应商确定之日起2个工作日内发出中标、成交通知书，"
            "并在省级以上人民政府财政部门指定的媒体上公告中标、成交结果（D-RESULT-2WD）。",
            "第四十八条（要点）：履约保证金的数额不得超过政府采购合同金额的10%（S-PERF-10PCT）。",
            "第五十条（要点）：采购人应当自政府采购合同签订之日起2个工作日内公告合同（D-CONTRACT-PUB-2WD）。",
        ),
        categories=("法律法规",),
        tags=("实施条例",),
    ),
    Seed(
        key="order18",
        title="政府采购货物和服务招标投标管理办法",
        number="财政部令第18号",
        level="national",
        doc_type="rule",
        issuer="财政部",
        issued_on=dt.date(2004, 8, 11),
        effective_on=dt.date(2004, 9, 11),
        summary="2004年版的货物和服务招标投标管理办法，已被财政部令第87号替代并废止。",
        text=_text(
            "本办法规范政府采购货物和服务的招标、投标、开标、评标和中标。自2017年10月1日起废止，由财政部令第87号替代。"
        ),
        categories=("规章制度",),
        tags=("招标投标",),
        status=("repealed", dt.date(2017, 10, 1), "order87"),
    ),
    Seed(
        key="order87",
        title="政府采购货物和服务招标投标管理办法",
        number="财政部令第87号",
        level="national",
        doc_type="rule",
        issuer="财政部",
        issued_on=dt.date(2017, 7, 11),
        effective_on=dt.date(2017, 10, 1),
        summary="规范货物和服务的公开招标和邀请招标；自2017年10月1日起施行，财政部令第18号同时废止。",
        text=_text(
            "招标文件的提供期限自开始之日起不得少于5个工作日（M-OPEN-DOCS-5WD）。",
            "对已发出的招标文件进行澄清或者修改，可能影响投标文件编制的，应当在投标截止时间至少15日前发布；"
            "不足15日的，顺延投标截止时间（M-CORR-15D）。",
            "评标委员会由采购人代表和评审专家组成，成员人数应当为5人以上单数；评审专家与参加采购活动的供应商存在利害关系的应当回避。",
            "评标方法分为最低评标价法和综合评分法；综合评分法中价格分采用低价优先法计算（E-PRICE-SCORE），"
            "货物项目的价格分值占总分值的比重不得低于30%，服务项目不得低于10%。",
        ),
        categories=("规章制度",),
        tags=("招标投标", "87号令"),
    ),
    Seed(
        key="order74",
        title="政府采购非招标采购方式管理办法",
        number="财政部令第74号",
        level="national",
        doc_type="rule",
        issuer="财政部",
        issued_on=dt.date(2013, 12, 19),
        effective_on=dt.date(2014, 2, 1),
        summary="规范竞争性谈判、单一来源采购和询价三种非招标采购方式。",
        text=_text(
            "竞争性谈判和询价：从谈判文件、询价通知书发出之日起至供应商提交首次响应文件截止之日止不得少于3个工作日（M-NEGO-3WD）。",
            "单一来源采购：采购人、采购代理机构应当组织具有相关经验的专业人员与供应商商定合理的成交价格并保证采购项目质量。",
        ),
        categories=("规章制度",),
        tags=("非招标采购",),
    ),
    Seed(
        key="order20",
        title="政府采购供应商投诉处理办法",
        number="财政部令第20号",
        level="national",
        doc_type="rule",
        issuer="财政部",
        issued_on=dt.date(2004, 8, 11),
        effective_on=dt.date(2004, 9, 11),
        summary="2004年版的供应商投诉处理办法，已被财政部令第94号替代并废止。",
        text=_text("本办法规范财政部门处理政府采购供应商投诉的程序。自2018年3月1日起废止，由财政部令第94号替代。"),
        categories=("规章制度", "质疑投诉"),
        tags=("投诉",),
        status=("repealed", dt.date(2018, 3, 1), "order94"),
    ),
    Seed(
        key="order94",
        title="政府采购质疑和投诉办法",
        number="财政部令第94号",
        level="national",
        doc_type="rule",
        issuer="财政部",
        issued_on=dt.date(2017, 12, 26),
        effective_on=dt.date(2018, 3, 1),
        summary="规范质疑的提出和答复、投诉的提起和处理；自2018年3月1日起施行，财政部令第20号同时废止。",
        text=_text(
            "供应商认为采购文件、采购过程、中标或者成交结果使自己的权益受到损害的，可以在知道或者应知之日起7个工作日内书面质疑；"
            "采购人、采购代理机构应当在收到质疑函后7个工作日内作出答复（C-CHALLENGE-7WD）。",
            "质疑供应商对答复不满意或者未在规定时间内得到答复的，可以在答复期满后15个工作日内投诉（C-COMPLAINT-15WD）。",
            "财政部门收到投诉书后，应当在5个工作日内审查，并在受理后8个工作日内向被投诉人和其他相关供应商发出投诉答复通知书及投诉书副本；"
            "自收到投诉之日起30个工作日内作出处理决定，并公告投诉处理决定（C-COMPLAINT-30WD）。",
        ),
        categories=("规章制度", "质疑投诉"),
        tags=("质疑", "投诉"),
    ),
    Seed(
        key="order101",
        title="政府采购信息发布管理办法",
        number="财政部令第101号",
        level="national",
        doc_type="rule",
        issuer="财政部",
        issued_on=dt.date(2019, 11, 27),
        effective_on=dt.date(2020, 3, 1),
        summary="规范政府采购信息的发布：指定媒体、发布要求和监督管理。",
        text=_text(
            "政府采购信息应当在财政部门指定的媒体上发布；中央预算单位的信息在中国政府采购网发布，地方预算单位的信息在所在行政区域的"
            "中国政府采购网省级分网发布。",
            "政府采购信息在多个媒体发布的，内容应当一致；指定媒体应当免费发布政府采购信息。",
        ),
        categories=("规章制度", "信息公开"),
        tags=("信息公开",),
    ),
    Seed(
        key="order110",
        title="政府采购框架协议采购方式管理暂行办法",
        number="财政部令第110号",
        level="national",
        doc_type="rule",
        issuer="财政部",
        issued_on=dt.date(2022, 1, 14),
        effective_on=dt.date(2022, 3, 1),
        summary="规范多频次、小额度采购的框架协议采购：征集入围供应商，再确定成交供应商。",
        text=_text(
            "框架协议采购包括封闭式框架协议采购和开放式框架协议采购；分为征集入围供应商和确定第二阶段成交供应商两个阶段（M-FRAME）。",
            "确定成交供应商的方式包括直接选定、二次竞价和顺序轮候。",
            "框架协议有效期：货物项目一般不超过1年，服务项目一般不超过2年。",
        ),
        categories=("规章制度",),
        tags=("框架协议",),
    ),
    Seed(
        key="cai2014_214",
        title="政府采购竞争性磋商采购方式管理暂行办法",
        number="财库〔2014〕214号",
        level="national",
        doc_type="normative",
        issuer="财政部",
        issued_on=dt.date(2014, 12, 31),
        effective_on=dt.date(2014, 12, 31),
        summary="规定竞争性磋商采购方式的适用情形、程序和综合评分。",
        text=_text(
            "从磋商文件发出之日起至供应商提交首次响应文件截止之日止不得少于10日（M-CONS-10D）。",
            "综合评分法中，货物项目的价格分值占总分值的比重为30%至60%，服务项目为10%至30%。",
        ),
        categories=("规范性文件",),
        tags=("竞争性磋商",),
    ),
    Seed(
        key="cai2019_38",
        title="关于促进政府采购公平竞争优化营商环境的通知",
        number="财库〔2019〕38号",
        level="national",
        doc_type="normative",
        issuer="财政部",
        issued_on=dt.date(2019, 7, 26),
        effective_on=dt.date(2019, 7, 26),
        summary="全面清理政府采购领域妨碍公平竞争的规定和做法，加强政府采购执行管理，优化营商环境。",
        text=_text(
            "一、全面清理政府采购领域妨碍公平竞争的规定和做法：不得以不合理的条件对供应商实行差别待遇或者歧视待遇。",
            "二、加强政府采购执行管理：完善采购需求和采购文件编制，允许供应商以保函等非现金形式缴纳保证金，及时支付采购资金。",
            "三、加快推进电子化政府采购，完善质疑投诉机制，提升采购透明度。",
        ),
        categories=("规范性文件", "营商环境"),
        tags=("公平竞争", "营商环境"),
    ),
    Seed(
        key="cai2020_10",
        title="关于开展政府采购意向公开工作的通知",
        number="财库〔2020〕10号",
        level="national",
        doc_type="normative",
        issuer="财政部",
        issued_on=dt.date(2020, 3, 2),
        effective_on=dt.date(2020, 3, 2),
        summary="推进采购意向公开，提高政府采购透明度，方便供应商提前了解采购信息。",
        text=_text(
            "采购意向公开的内容包括采购项目名称、采购需求概况、预算金额、预计采购时间等。",
            "采购意向公开时间应当尽量提前，原则上不得晚于采购活动开始前30日（D-INTENT-30D）。",
        ),
        categories=("规范性文件", "信息公开"),
        tags=("意向公开",),
    ),
    Seed(
        key="cai2011_181",
        title="政府采购促进中小企业发展暂行办法",
        number="财库〔2011〕181号",
        level="national",
        doc_type="normative",
        issuer="财政部 工业和信息化部",
        issued_on=dt.date(2011, 12, 29),
        effective_on=dt.date(2012, 1, 1),
        summary="2011年版的促进中小企业发展暂行办法，已被财库〔2020〕46号替代并废止。",
        text=_text(
            "规定预留份额、价格扣除等扶持中小企业的政府采购措施。自2021年1月1日起废止，由财库〔2020〕46号替代。"
        ),
        categories=("规范性文件", "中小企业"),
        tags=("中小企业",),
        status=("repealed", dt.date(2021, 1, 1), "cai2020_46"),
    ),
    Seed(
        key="cai2020_46",
        title="政府采购促进中小企业发展管理办法",
        number="财库〔2020〕46号",
        level="national",
        doc_type="normative",
        issuer="财政部 工业和信息化部",
        issued_on=dt.date(2020, 12, 18),
        effective_on=dt.date(2021, 1, 1),
        summary="通过预留采购份额、价格评审优惠、优先采购等措施支持中小企业；财库〔2011〕181号同时废止。",
        text=_text(
            "采购限额标准以上，200万元以下的货物和服务采购项目，适宜由中小企业提供的，采购人应当专门面向中小企业采购（SME-RESERVE-ALL）。",
            "超过200万元的货物和服务采购项目，适宜由中小企业提供的，预留该部分采购项目预算总额的30%以上专门面向中小企业采购，"
            "其中预留给小微企业的比例不低于60%（SME-RESERVE-SHARE；2022年起提高至40%以上，见财库〔2022〕19号）。",
            "对于未预留份额专门面向中小企业的采购项目，对小微企业报价给予6%—10%的扣除（SME-PRICE-DEDUCT；2022年起调整为10%—20%）。",
            "中小企业参加政府采购活动，应当出具《中小企业声明函》；监狱企业、残疾人福利性单位视同小型、微型企业（SME-DECLARE）。",
        ),
        categories=("规范性文件", "中小企业"),
        tags=("中小企业", "预留份额", "价格扣除"),
    ),
    Seed(
        key="cai2022_19",
        title="关于进一步加大政府采购支持中小企业力度的通知",
        number="财库〔2022〕19号",
        level="national",
        doc_type="normative",
        issuer="财政部",
        issued_on=dt.date(2022, 5, 30),
        effective_on=dt.date(2022, 7, 1),
        summary="提高面向中小企业预留份额和小微企业价格评审优惠幅度。",
        text=_text(
            "超过200万元的货物和服务采购项目中适宜由中小企业提供的，预留份额由30%以上阶段性提高至40%以上（SME-RESERVE-SHARE）。",
            "非预留项目给予小微企业的价格扣除优惠，由6%—10%提高至10%—20%；大中型企业与小微企业组成联合体或者向小微企业分包的，"
            "评审优惠幅度由2%—3%提高至4%—6%（SME-PRICE-DEDUCT）。",
        ),
        categories=("规范性文件", "中小企业"),
        tags=("中小企业", "预留份额", "价格扣除"),
    ),
    Seed(
        key="decree728",
        title="保障中小企业款项支付条例",
        number="国务院令第728号",
        level="national",
        doc_type="regulation",
        issuer="国务院",
        issued_on=dt.date(2020, 7, 5),
        effective_on=dt.date(2020, 9, 1),
        summary="2020年版的保障中小企业款项支付条例，2025年经国务院令第802号修订。",
        text=_text(
            "机关、事业单位从中小企业采购货物、工程、服务，应当自货物、工程、服务交付之日起30日内支付款项；"
            "合同另有约定的，付款期限最长不得超过60日。"
        ),
        categories=("法律法规", "中小企业"),
        tags=("中小企业", "款项支付"),
        status=("amended", dt.date(2025, 6, 1), "decree802"),
    ),
    Seed(
        key="decree802",
        title="保障中小企业款项支付条例（2025年修订）",
        number="国务院令第802号",
        level="national",
        doc_type="regulation",
        issuer="国务院",
        issued_on=dt.date(2025, 3, 17),
        effective_on=dt.date(2025, 6, 1),
        summary="修订后的保障中小企业款项支付条例，自2025年6月1日起施行。",
        text=_text(
            "第九条（要点）：从中小企业采购货物、工程、服务，应当自交付（验收）之日起30日内支付款项；合同另有约定的，"
            "付款期限最长不得超过60日；不得以收到第三方付款作为向中小企业支付款项的条件（P-SME-30D）。",
        ),
        categories=("法律法规", "中小企业"),
        tags=("中小企业", "款项支付"),
    ),
]

DEMO: list[Seed] = [
    Seed(
        key="sd_financing",
        title="山东省财政厅关于推进政府采购合同融资工作的通知",
        number="鲁财采〔2022〕2号",
        level="provincial",
        doc_type="normative",
        issuer="山东省财政厅",
        issued_on=dt.date(2022, 3, 10),
        effective_on=dt.date(2022, 3, 10),
        summary=DEMO_NOTE,
        text=_text(
            DEMO_MARK,
            "中标、成交供应商可凭政府采购合同向金融机构申请融资，金融机构原则上不要求提供抵押担保。",
            "采购人应当按合同约定将合同款项支付至供应商在融资银行开立的回款账户，贷款存续期间不得变更。",
            "平台在供应商授权后向金融机构共享中标、合同信息。",
        ),
        categories=("规范性文件", "合同融资"),
        tags=("政采贷", "合同融资", "演示数据"),
        demo=True,
    ),
    Seed(
        key="hz_business",
        title="菏泽市财政局关于优化政府采购营商环境的若干措施",
        number="菏财采〔2023〕5号",
        level="city",
        doc_type="local",
        issuer="菏泽市财政局",
        issued_on=dt.date(2023, 4, 18),
        effective_on=dt.date(2023, 5, 1),
        summary=DEMO_NOTE,
        text=_text(
            DEMO_MARK,
            "一、全面推行电子化采购，供应商在线获取采购文件、在线投标，实现“不见面”开标。",
            "二、鼓励以保函形式缴纳投标保证金和履约保证金；信用良好的供应商可免收投标保证金。",
            "三、采购人应当在合同约定期限内及时支付采购资金，向中小企业支付款项最长不超过60日。",
            "四、市财政局通过官网、新媒体、纸质宣传资料和现场服务等形式开展政策宣传，发布《致供应商的一封信》。",
        ),
        categories=("营商环境",),
        tags=("营商环境", "演示数据"),
        region_code="city",
        demo=True,
    ),
    Seed(
        key="hz_financing",
        title="菏泽市政府采购合同融资（政采贷）工作实施办法",
        number="菏财采〔2023〕8号",
        level="city",
        doc_type="local",
        issuer="菏泽市财政局",
        issued_on=dt.date(2023, 6, 12),
        effective_on=dt.date(2023, 7, 1),
        summary=DEMO_NOTE,
        text=_text(
            DEMO_MARK,
            "中标、成交供应商凭政府采购合同向合作银行申请无抵押融资，融资额度一般为合同金额的70%至80%，期限与合同履行期限匹配。",
            "合同款项支付至银行指定的回款账户，贷款结清前该账户锁定。",
            "供应商同意后，平台向银行共享中标和合同数据。",
        ),
        categories=("合同融资",),
        tags=("政采贷", "合同融资", "演示数据"),
        region_code="city",
        demo=True,
    ),
    Seed(
        key="hz_credit",
        title="菏泽市政府采购供应商信用承诺与投标保证金免收办法（试行）",
        number="菏财采〔2023〕12号",
        level="city",
        doc_type="local",
        issuer="菏泽市财政局",
        issued_on=dt.date(2023, 12, 20),
        effective_on=dt.date(2024, 1, 1),
        summary=DEMO_NOTE,
        text=_text(
            DEMO_MARK,
            "信用良好的供应商参加本市政府采购活动，可免于缴纳投标保证金（S-CREDIT-EXEMPT）。",
            "列入严重失信主体名单，或近36个月内有严重违法失信记录的供应商，不予免收。",
            "免收决定按投标项目作出并说明理由，供应商可在平台查询。",
        ),
        categories=("营商环境",),
        tags=("信用", "保证金", "演示数据"),
        region_code="city",
        demo=True,
    ),
    Seed(
        key="cao_intent",
        title="曹县财政局关于做好政府采购意向公开工作的通知",
        number="曹财采〔2024〕3号",
        level="county",
        doc_type="local",
        issuer="曹县财政局",
        issued_on=dt.date(2024, 2, 26),
        effective_on=dt.date(2024, 2, 26),
        summary=DEMO_NOTE,
        text=_text(
            DEMO_MARK,
            "县级预算单位应当在采购活动开始前30日公开采购意向，内容包括项目名称、采购需求概况、预算金额和预计采购时间。",
        ),
        categories=("信息公开",),
        tags=("意向公开", "演示数据"),
        region_code="371721",
        demo=True,
    ),
]


def _region(code: str) -> Region | None:
    if not code:
        return None
    if code == "city":
        return Region.objects.filter(level=Region.Level.CITY).order_by("id").first()
    return Region.objects.filter(code=code).first()


def _existing(seed: Seed) -> PolicyDocument | None:
    if seed.number:
        return PolicyDocument.objects.filter(number=seed.number).first()
    return PolicyDocument.objects.filter(title=seed.title, number="").first()


def seed_policies(*, actor_username: str, at: dt.datetime) -> int:
    """Load the demo policy library as ``actor_username`` (city-level ``POLICY_MANAGE``, e.g. the demo's
    "editor"); returns how many documents were added (0 on a second run)."""
    actor = User.objects.get(username=actor_username)
    added = 0
    with transaction.atomic():
        categories: dict[str, Category] = {}
        for name, name_en, slug, sort in CATEGORIES:
            category = Category.objects.filter(slug=slug).first() or Category.objects.filter(name=name).first()
            if category is None:
                category = category_create(name=name, name_en=name_en, slug=slug, sort=sort, actor=actor, at=at)
            categories[name] = category
        documents: dict[str, PolicyDocument] = {}
        for seed in NATIONAL + DEMO:
            document = _existing(seed)
            region = _region(seed.region_code)
            if document is None:
                if seed.region_code and region is None:
                    continue  # a demo without that county
                document = document_create(
                    data=DocumentInput(
                        title=seed.title,
                        number=seed.number,
                        level=seed.level,
                        doc_type=seed.doc_type,
                        issuer=seed.issuer,
                        region=region,
                        issued_on=seed.issued_on,
                        effective_on=seed.effective_on,
                        summary=seed.summary,
                        full_text=seed.text,
                        source_url=seed.source_url,
                        categories=[categories[c] for c in seed.categories],
                        tags=list(seed.tags),
                    ),
                    actor=actor,
                    at=at,
                )
                added += 1
            documents[seed.key] = document
        for seed in NATIONAL + DEMO:
            document = documents.get(seed.key)
            if seed.status is None or document is None:
                continue
            document.refresh_from_db()
            if document.status != DocumentStatus.EFFECTIVE:
                continue
            status, since, replaced_by = seed.status
            document_status_set(
                document=document,
                status=status,
                changed_on=since,
                superseded_by=documents.get(replaced_by) if replaced_by else None,
                actor=actor,
                at=at,
            )
    return added
