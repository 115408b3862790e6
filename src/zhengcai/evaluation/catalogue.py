"""The indicator catalogue: every business-environment indicator of DOMAIN.md ("Business-environment
indicators"), with its definition, formula, unit, direction, default target and the position answerable for it.

The catalogue is data, not UI text: each entry carries its Chinese and English wording, so reports and the
public page show the same definitions in both languages. The query that computes an indicator lives in
``compute.py`` under the same code (``compute.QUERIES[code]``) and drills down with ``compute.records``.

Units:
- ``percent``: value = numerator / denominator × 100 (a share of records);
- ``days``: value = numerator / denominator (total days / records), an average;
- ``average``: value = numerator / denominator (e.g. bids per tender);
- ``fen``: value = numerator (money, integer fen; shown in 万元);
- ``count``: value = numerator.
A period's or the city's value is never an average of values: numerators and denominators are summed first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language

from .models import PositionLevel

PERCENT, DAYS, AVERAGE, FEN, COUNT = "percent", "days", "average", "fen", "count"
HIGHER, LOWER = "higher", "lower"

UNIT_LABELS = {
    PERCENT: ("%", "%"),
    DAYS: ("天", "days"),
    AVERAGE: ("家/项", "per tender"),
    FEN: ("万元", "10k yuan"),
    COUNT: ("次", "times"),
}


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    formula_zh: str
    formula_en: str
    unit: str
    direction: str  # HIGHER or LOWER is better
    target: Decimal | None  # default target; IndicatorTarget overrides it per year
    responsible: str  # PositionLevel answerable for it
    group: str  # procurement, disclosure, costs, payment, sme, service
    rules: tuple[str, ...] = ()  # DOMAIN.md rule ids behind it

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "zh-hans").startswith("zh") else self.name_en

    @property
    def definition(self) -> str:
        return self.definition_zh if (get_language() or "zh-hans").startswith("zh") else self.definition_en

    @property
    def formula(self) -> str:
        return self.formula_zh if (get_language() or "zh-hans").startswith("zh") else self.formula_en

    @property
    def unit_label(self) -> str:
        zh, en = UNIT_LABELS[self.unit]
        return zh if (get_language() or "zh-hans").startswith("zh") else en

    @property
    def higher_is_better(self) -> bool:
        return self.direction == HIGHER

    def meets(self, value: Decimal | None, target: Decimal | None) -> bool | None:
        """Whether a value meets the target (None where either is unknown)."""
        if value is None or target is None:
            return None
        return value >= target if self.higher_is_better else value <= target


D = Decimal
SECTION, DIRECTOR, COUNTY, UNIT = (
    PositionLevel.SECTION_HEAD,
    PositionLevel.BUREAU_DIRECTOR,
    PositionLevel.COUNTY_HEAD,
    PositionLevel.UNIT_HEAD,
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "e_procurement_rate", "电子化采购率", "E-procurement rate",
        "开标的采购项目中，全部投标文件经平台加密电子递交（无纸质投标）的项目所占比例。",
        "Share of opened tenders whose bids all came through the platform's sealed electronic submission.",
        "全电子投标的开标项目数 ÷ 开标项目数 × 100%", "tenders opened with only electronic bids ÷ tenders opened × 100 %",
        PERCENT, HIGHER, D("100"), SECTION, "procurement",
    ),
    Indicator(
        "intention_coverage", "采购意向公开覆盖率", "Intention-disclosure coverage",
        "当期发布采购公告的项目中，提前至少30日公开采购意向的项目所占比例。",
        "Share of projects whose tender was published in the period with an intention public at least 30 days before.",
        "意向提前≥30日公开的项目数 ÷ 发布采购公告的项目数 × 100%",
        "projects with an intention public ≥30 days before the tender ÷ projects tendered × 100 %",
        PERCENT, HIGHER, D("100"), UNIT, "disclosure", ("D-INTENT-30D",),
    ),
    Indicator(
        "intention_lead_days", "采购意向公开提前天数", "Intention lead time",
        "公开了采购意向的项目，从意向公开到采购公告发布的平均天数。",
        "Average days from an intention's publication to its project's tender notice.",
        "Σ(采购公告发布日 − 意向公开日) ÷ 有意向的项目数", "Σ(tender published − intention published) ÷ projects with an intention",
        DAYS, HIGHER, D("30"), UNIT, "disclosure", ("D-INTENT-30D",),
    ),
    Indicator(
        "result_notice_on_time", "结果公告及时率", "Result notices on time",
        "应在当期发布的中标（成交）结果公告中，在确定中标人后2个工作日内发布的比例。",
        "Share of result notices due in the period that were published within 2 working days of the award.",
        "按期发布的结果公告数 ÷ 当期应发布的结果公告数 × 100%", "result notices published by the due day ÷ result notices due × 100 %",
        PERCENT, HIGHER, D("100"), SECTION, "disclosure", ("D-RESULT-2WD",),
    ),
    Indicator(
        "contract_notice_on_time", "合同公告及时率", "Contract notices on time",
        "当期应公告的采购合同中，在签订后2个工作日内公告的比例。",
        "Share of contracts due for publication in the period that were published within 2 working days of signing.",
        "按期公告的合同数 ÷ 当期应公告的合同数 × 100%", "contracts published by the due day ÷ contracts due × 100 %",
        PERCENT, HIGHER, D("100"), UNIT, "disclosure", ("D-CONTRACT-PUB-2WD",),
    ),
    Indicator(
        "change_notice_on_time", "合同变更公告及时率", "Change notices on time",
        "当期的合同变更中，在变更后2个工作日内公告的比例。",
        "Share of contract changes in the period published within 2 working days of the change.",
        "按期公告的变更数 ÷ 当期合同变更数 × 100%", "changes published by the due day ÷ changes × 100 %",
        PERCENT, HIGHER, D("100"), UNIT, "disclosure", ("D-CONTRACT-PUB-2WD",),
    ),
    Indicator(
        "days_result_to_contract", "结果公告至合同签订天数", "Days from result to contract",
        "当期签订的合同，从确定中标（成交）供应商到签订合同的平均天数（领先地区目标≤30日）。",
        "Average days from the award decision to the contract's signature, for contracts signed in the period.",
        "Σ(合同签订日 − 确定中标日) ÷ 签订合同数", "Σ(signed on − award determined) ÷ contracts signed",
        DAYS, LOWER, D("30"), UNIT, "procurement", ("D-CONTRACT-30D",),
    ),
    Indicator(
        "bid_security_share", "收取投标保证金项目占比", "Bid-security share",
        "当期开标的项目中，要求提交投标保证金的项目所占比例。",
        "Share of tenders opened in the period that required a bid security.",
        "要求投标保证金的项目数 ÷ 开标项目数 × 100%", "tenders requiring bid security ÷ tenders opened × 100 %",
        PERCENT, LOWER, None, DIRECTOR, "costs", ("S-BID-2PCT",),
    ),
    Indicator(
        "bid_security_exemption_rate", "投标保证金免收率", "Bid-security exemption rate",
        "当期要求保证金的投标中，因信用良好免于提交的比例。",
        "Share of bids due a bid security in the period that were exempted for good credit.",
        "免收的投标保证金笔数 ÷ 应交投标保证金笔数 × 100%", "exempted securities ÷ securities due × 100 %",
        PERCENT, HIGHER, None, DIRECTOR, "costs", ("S-CREDIT-EXEMPT",),
    ),
    Indicator(
        "bid_security_refund_on_time", "投标保证金按时退还率", "Bid securities refunded on time",
        "当期应退还的现金投标保证金中，在5个工作日内退还的比例（退还以退还日期为准，系统未记录登记时间）。",
        "Share of cash bid securities due for refund in the period that were refunded within 5 working days"
        " (a refund counts by its refund date: its recording time is not kept).",
        "按时退还笔数 ÷ 应退还笔数 × 100%", "refunded by the due day ÷ due for refund × 100 %",
        PERCENT, HIGHER, D("100"), UNIT, "costs", ("S-BID-REFUND-5WD",),
    ),
    Indicator(
        "guarantee_share", "保函替代率", "Guarantee share",
        "当期提交的投标和履约保证（免收除外）中，以保函（含电子保函）形式提交的比例。",
        "Share of bid and performance securities provided in the period (exemptions aside) given as a letter of guarantee.",
        "保函形式的保证笔数 ÷ 提交的保证笔数 × 100%", "securities given as guarantees ÷ securities provided × 100 %",
        PERCENT, HIGHER, None, DIRECTOR, "costs", ("S-BID-2PCT", "S-PERF-10PCT"),
    ),
    Indicator(
        "performance_security_ratio", "履约保证金比例", "Performance-security ratio",
        "当期签订合同收取的履约保证金总额占合同总金额的比例（领先地区目标平均≤1%）。",
        "Performance securities taken on contracts signed in the period as a share of their total amount.",
        "Σ履约保证金 ÷ Σ合同金额 × 100%", "Σ performance security ÷ Σ contract amount × 100 %",
        PERCENT, LOWER, D("1"), DIRECTOR, "costs", ("S-PERF-10PCT",),
    ),
    Indicator(
        "advance_payment_ratio", "预付款比例", "Advance-payment ratio",
        "当期签订合同约定的预付款总额占合同总金额的比例（目标≥25%）。",
        "Advance payments agreed in contracts signed in the period as a share of their total amount.",
        "Σ预付款 ÷ Σ合同金额 × 100%", "Σ advance payment ÷ Σ contract amount × 100 %",
        PERCENT, HIGHER, D("25"), UNIT, "payment",
    ),
    Indicator(
        "days_to_pay_sme", "向中小企业付款天数", "Days to pay SMEs",
        "当期付清的中小企业合同，从验收合格到付清尾款的平均天数（法定≤30日）。",
        "Average days from acceptance to the final payment, for SME contracts paid off in the period.",
        "Σ(付清日 − 验收日) ÷ 付清的中小企业合同数", "Σ(paid off − accepted) ÷ SME contracts paid off",
        DAYS, LOWER, D("30"), UNIT, "payment", ("P-SME-30D",),
    ),
    Indicator(
        "sme_award_share", "中小企业合同金额占比", "SME share of award value",
        "当期签订的合同金额中，授予中小企业的比例（目标≥75%）。",
        "Share of the value of contracts signed in the period that went to SMEs.",
        "Σ中小企业合同金额 ÷ Σ合同金额 × 100%", "Σ SME contract amount ÷ Σ contract amount × 100 %",
        PERCENT, HIGHER, D("75"), UNIT, "sme", ("SME-RESERVE-SHARE", "SME-DECLARE"),
    ),
    Indicator(
        "financing_raised", "政采贷融资额", "Contract financing raised",
        "当期银行依据政府采购合同发放的贷款总额。",
        "Loans disbursed by banks in the period on the strength of government-procurement contracts.",
        "Σ放款金额", "Σ loans disbursed",
        FEN, HIGHER, None, DIRECTOR, "costs",
    ),
    Indicator(
        "challenges_per_100", "每百个项目质疑投诉数", "Challenges and complaints per 100 tenders",
        "当期收到的质疑和投诉件数，按当期发布采购公告的项目数折算为每百个项目。",
        "Challenges and complaints received in the period per 100 tenders published in the period.",
        "(质疑数 + 投诉数) ÷ 采购公告数 × 100", "(challenges + complaints) ÷ tenders published × 100",
        AVERAGE, LOWER, None, SECTION, "procurement", ("C-CHALLENGE-7WD", "C-COMPLAINT-15WD"),
    ),
    Indicator(
        "challenge_handling_days", "质疑答复天数", "Days to answer a challenge",
        "当期答复的质疑，从收到到答复的平均工作日数（法定7个工作日内）。",
        "Average working days from receipt to answer for challenges answered in the period (statutory: 7 working days).",
        "Σ(收到至答复的工作日数) ÷ 答复的质疑数", "Σ working days from receipt to answer ÷ challenges answered",
        DAYS, LOWER, D("7"), SECTION, "procurement", ("C-CHALLENGE-7WD",),
    ),
    Indicator(
        "bidders_per_tender", "平均投标人数", "Bidders per tender",
        "当期开标项目平均收到的有效投标（未撤回）家数。",
        "Average number of bids (not withdrawn) per tender opened in the period.",
        "投标数 ÷ 开标项目数", "bids ÷ tenders opened",
        AVERAGE, HIGHER, D("5"), SECTION, "procurement", ("M-MIN-BIDDERS",),
    ),
    Indicator(
        "training_coverage", "培训覆盖率", "Training coverage",
        "在用预算单位和代理机构中，当期至少有一名工作人员完成培训的比例（单位按其当前状态计）。",
        "Share of active budget units and agencies with at least one staff member who completed a training in the"
        " period (organizations counted by their current status).",
        "有人完成培训的单位数 ÷ 单位数 × 100%", "organizations with a completed training ÷ organizations × 100 %",
        PERCENT, HIGHER, D("90"), DIRECTOR, "service",
    ),
    Indicator(
        "service_on_time", "服务工单按时办结率", "Service tickets resolved on time",
        "当期办结的服务工单中，在服务时限内办结的比例。",
        "Share of service requests resolved in the period within their service level.",
        "按时办结数 ÷ 办结数 × 100%", "resolved within the service level ÷ resolved × 100 %",
        PERCENT, HIGHER, D("95"), DIRECTOR, "service",
    ),
    Indicator(
        "publicity_reach", "政策宣传触达人次", "Policy publicity reach",
        "当期各渠道阅读量、短链接点击、宣传册发放和现场活动参与人次之和。",
        "Reads on every channel, short-link clicks, leaflets handed out and event attendance in the period.",
        "Σ阅读 + Σ点击 + Σ发放 + Σ参与", "Σ reads + Σ clicks + Σ leaflets handed out + Σ attendance",
        COUNT, HIGHER, None, DIRECTOR, "service",
    ),
)  # fmt: skip

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
# The headline indicators on the public transparency page and at the top of reports.
HEADLINE = (
    "days_to_pay_sme",
    "sme_award_share",
    "days_result_to_contract",
    "bidders_per_tender",
    "bid_security_exemption_rate",
    "financing_raised",
)


def get(code: str) -> Indicator:
    return BY_CODE[code]
