"""Demo publicity: a year (December 2025 – November 2026) of the bureau's policy publicity.

Every item goes through the editorial workflow (a city or county editor drafts, the publicity team
passes, the leader approves and schedules, the tick publishes), then out on its channels: the portal
and the feed at once, WeChat, Weibo, Douyin and Toutiao as packages that the editor posted by hand and
recorded (the URLs are demo URLs on each platform's domain), except the last few days' packages, which
still wait. Reach figures are entered per day, clicks counted on the short links, one month of WeChat
figures imported from a CSV export. The policy-interpretation leaflet is printed (3,000 copies, then a
reprint) and handed out in the trading hall; publicity days and supplier meetups are held with their
attendance; the open letter to suppliers is published in March and acknowledged by most suppliers
with staff accounts.

All of it through the services (rules, scope, audit); deterministic (seeded random). Safe to run
again: it stops at once when the open letter already exists.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from zhengcai.accounts.models import Membership, User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization, OrganizationKind, Region
from zhengcai.policies.models import PolicyDocument
from zhengcai.publicity import outbox, outreach
from zhengcai.publicity.models import (
    Channel,
    ChannelPost,
    Content,
    ContentKind,
    EventKind,
    EventStatus,
    LeafletFormat,
    LetterAcknowledgement,
    PostState,
)
from zhengcai.publicity.services import (
    ContentInput,
    content_approve,
    content_create,
    content_pass,
    content_publish_due,
    content_return,
    content_submit,
    letter_acknowledge,
)

from . import data

ACTOR = "seed_demo"
START = dt.date(2025, 12, 1)
TODAY = dt.date(2026, 11, 25)
SOCIAL: list[str] = [Channel.WECHAT, Channel.WEIBO, Channel.DOUYIN, Channel.TOUTIAO]
POST_DOMAINS: dict[str, str] = {
    Channel.WECHAT: "https://mp.weixin.qq.com/s/",
    Channel.WEIBO: "https://weibo.com/7700000001/",
    Channel.DOUYIN: "https://www.douyin.com/note/",
    Channel.TOUTIAO: "https://www.toutiao.com/article/",
}
# Typical daily reads on the first day and how fast they fade (per channel).
READS: dict[str, tuple[int, int]] = {
    Channel.WECHAT: (300, 1800),
    Channel.WEIBO: (800, 6000),
    Channel.DOUYIN: (1500, 12000),
    Channel.TOUTIAO: (400, 3000),
}

INTERPRETATIONS: list[tuple[str, str, list[str], str]] = [
    (
        "中小企业预留份额政策解读",
        "200万元以下货物服务原则上全部预留给中小企业，超过部分预留份额提高到40%以上。",
        ["财库〔2020〕46号", "财库〔2022〕19号"],
        "371700",
    ),
    (
        "价格评审优惠政策一图读懂",
        "未预留项目对小微企业报价扣除10%–20%后参与评审，联合体和分包给予4%–6%扣除。",
        ["财库〔2022〕19号"],
        "371700",
    ),
    (
        "保障中小企业款项支付条例解读",
        "采购人应当自货物、工程、服务交付之日起30日内支付中小企业款项，约定最长不超过60日。",
        ["国务院令第802号"],
        "371700",
    ),
    (
        "采购意向公开怎么做",
        "采购意向应当在采购活动开始前30日公开，内容包括采购项目名称、需求概况、预算金额和预计采购时间。",
        ["财库〔2020〕10号"],
        "371700",
    ),
    (
        "质疑投诉办法要点解读",
        "供应商可以在知道或者应知其权益受到损害之日起7个工作日内提出质疑，采购人应在7个工作日内答复。",
        ["财政部令第94号"],
        "371700",
    ),
    (
        "信用良好供应商免收投标保证金",
        "近三年无严重失信记录的供应商参加我市政府采购活动，免收投标保证金，减少资金占用。",
        ["菏财采〔2023〕5号"],
        "371700",
    ),
    (
        "政府采购合同融资（政采贷）指南",
        "中标成交供应商凭政府采购合同向合作银行申请无抵押融资，线上申请、快速放款。",
        ["菏财采〔2023〕8号"],
        "371700",
    ),
    (
        "电子保函替代现金保证金解读",
        "履约保证金可以银行、担保机构出具的电子保函形式提交，平台可在线验证真伪。",
        ["菏财采〔2023〕12号"],
        "371700",
    ),
    (
        "曹县政府采购服务承诺解读",
        "曹县财政局推行政府采购一对一对口服务，供应商诉求限时办结。",
        ["曹财采〔2024〕3号"],
        "371721",
    ),
]

ARTICLES = [
    "{region}召开政府采购营商环境优化推进会",
    "{region}开展政府采购业务培训",
    "{region}政府采购电子化交易全面推行",
    "{region}财政局走访中小企业听取意见",
    "{region}政府采购合同融资签约仪式举行",
    "{region}组织代理机构专项检查",
    "{region}政府采购意向公开实现全覆盖",
    "{region}推行电子保函降低企业成本",
]
NOTICES = [
    "关于做好{year}年政府采购意向公开工作的通知",
    "关于开展政府采购领域营商环境问卷调查的通知",
    "关于政府采购平台系统升级的公告",
]
STORIES = [
    "小微企业凭合同获得政采贷支持",
    "免收保证金为企业节约资金成本",
    "电子保函让投标更省心",
    "对口服务帮助企业解决回款难题",
]
OPEN_LETTER = (
    "致全市政府采购供应商的一封信",
    "菏泽市财政局向广大供应商介绍优化政府采购营商环境的各项举措，欢迎参与我市政府采购活动。",
    [
        "尊敬的各位供应商朋友：",
        "感谢您长期以来对菏泽市政府采购工作的关心和支持。为进一步优化政府采购营商环境，"
        "降低供应商参与成本，市财政局推出以下便利措施：",
        "一、信用良好的供应商免收投标保证金；履约保证金可以电子保函形式提交，平台可在线验证。",
        "二、中标成交供应商可凭政府采购合同向合作银行申请“政采贷”，无需抵押，在线办理。",
        "三、200万元以下适宜由中小企业提供的项目原则上全部预留给中小企业；采购人应在30日内支付中小企业款项。",
        "四、实行对口服务机制，您在参与政府采购中遇到的问题，可通过平台服务台提出，限时答复办结。",
        "五、政府采购意向、采购公告、结果公告、合同全部公开，欢迎社会监督。",
        "我们将持续听取您的意见建议，共同营造公平竞争、透明高效的政府采购环境。",
        "菏泽市财政局",
    ],
)


@dataclass
class Editors:
    by_region: dict[int, tuple[User, Organization]]
    reviewer: User
    leader: User


def _cover(rng: random.Random) -> tuple[io.BytesIO, str]:
    """A plain branded cover (no text): a colour field with the bureau's stripes, 1600×1600."""
    hue = rng.choice([(178, 34, 34), (196, 60, 40), (30, 90, 160), (20, 120, 100), (150, 30, 60)])
    image = Image.new("RGB", (1600, 1600), hue)
    draw = ImageDraw.Draw(image)
    for i in range(0, 1600, 200):
        shade = tuple(min(255, c + 25 + i // 40) for c in hue)
        draw.rectangle([0, i, 1600, i + 90], fill=shade)
    draw.ellipse([500, 500, 1100, 1100], outline=(255, 215, 0), width=30)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer, f"cover-{rng.randrange(10**6):06d}.png"


def _editors(regions: list[Region], at: dt.datetime) -> Editors:
    """The city editor, one editor in every county bureau (the publicity counterparts), the team, the leader."""
    by_region: dict[int, tuple[User, Organization]] = {}
    editor = User.objects.get(username="editor")
    city_office = Membership.objects.filter(user=editor, role=Role.PUBLICITY_EDITOR).select_related("organization")
    by_region[regions[0].pk] = (editor, city_office.first().organization)  # type: ignore[union-attr]
    rng = random.Random(data.SEED + 50)
    for region in regions[1:]:
        bureau = Organization.objects.get(kind=OrganizationKind.FINANCE_BUREAU, region=region)
        username = "caoeditor" if region.code == "371721" else f"xc{region.code}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=None,
                email=f"{username}@demo.zhengcai.invalid",
                display_name=f"{rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice('敏静丽芳伟强磊军洋勇')}（{region.name}宣传编辑）",
                actor=ACTOR,
                at=at,
            )
        if not Membership.objects.filter(user=user, organization=bureau, role=Role.PUBLICITY_EDITOR).exists():
            membership_create(user=user, organization=bureau, role=Role.PUBLICITY_EDITOR, actor=ACTOR, at=at)
        by_region[region.pk] = (user, bureau)
    return Editors(by_region, User.objects.get(username="publicity"), User.objects.get(username="leader"))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _body(title: str, summary: str, rng: random.Random) -> str:
    paragraphs = [
        summary,
        f"为深入贯彻落实优化营商环境决策部署，{title}。市财政局坚持政府主导、财政牵头、部门参与、市县联动，"
        "持续扩大政府采购政策知晓面。",
        "下一步，财政部门将继续加强政策宣传解读，畅通供应商诉求渠道，推动各项政策措施落地见效。",
    ]
    if rng.random() < 0.5:
        paragraphs.insert(2, "供应商可通过菏泽市政府采购平台查询政策文件、采购公告和合同信息，或通过服务台提出问题。")
    return "\n\n".join(paragraphs)


@dataclass
class Planned:
    kind: str
    title: str
    summary: str
    body: str
    region: Region
    day: dt.date
    documents: list[int]
    channels: list[str]


def _plan(regions: list[Region], rng: random.Random, small: bool) -> list[Planned]:
    documents = dict(PolicyDocument.objects.values_list("number", "pk"))
    by_code = {r.code: r for r in regions}
    items: list[Planned] = []
    span = (TODAY - START).days
    for i, (title, summary, numbers, code) in enumerate(INTERPRETATIONS):
        day = START + dt.timedelta(days=20 + i * (span - 40) // len(INTERPRETATIONS))
        items.append(
            Planned(
                ContentKind.INTERPRETATION,
                title,
                summary,
                _body(f"现就《{title.replace('解读', '')}》有关要点解读如下", summary, rng),
                by_code[code],
                day,
                [documents[n] for n in numbers if n in documents],
                [Channel.WEBSITE, Channel.FEED, *SOCIAL],
            )
        )
    per_region = 2 if small else 6
    for region in regions:
        name = region.name
        for k in range(per_region):
            title = ARTICLES[(k + region.sort) % len(ARTICLES)].format(region=name)
            day = START + dt.timedelta(days=rng.randrange(5, span - 3))
            summary = f"{name}持续优化政府采购营商环境，{rng.choice(['简化流程', '降低成本', '提升服务', '公开透明'])}取得新成效。"
            items.append(
                Planned(
                    ContentKind.ARTICLE,
                    title,
                    summary,
                    _body(f"{name}扎实推进政府采购各项改革", summary, rng),
                    region,
                    day,
                    [],
                    [Channel.WEBSITE, Channel.FEED, Channel.WECHAT, Channel.WEIBO, Channel.TOUTIAO],
                )
            )
    city = regions[0]
    for k, pattern in enumerate(NOTICES):
        day = START + dt.timedelta(days=15 + k * 110)
        title = pattern.format(year=day.year)
        items.append(
            Planned(
                ContentKind.NOTICE,
                title,
                title,
                _body(title, title, rng),
                city,
                day,
                [],
                [Channel.WEBSITE, Channel.FEED],
            )
        )
    for k, title in enumerate(STORIES):
        region = regions[(k * 3) % len(regions)]
        day = START + dt.timedelta(days=60 + k * 70)
        summary = f"{region.name}一家小微企业讲述参与政府采购的新变化：{title}。"
        items.append(
            Planned(
                ContentKind.STORY,
                title,
                summary,
                _body(title, summary, rng),
                region,
                day,
                [],
                [Channel.WEBSITE, Channel.FEED, *SOCIAL],
            )
        )
    items.sort(key=lambda p: p.day)
    return items


def _publish(item: Planned, editors: Editors, rng: random.Random) -> Content:
    user, owner = editors.by_region[item.region.pk]
    created = _at(item.day, 9, rng.randrange(0, 50))
    cover, cover_name = _cover(rng)
    content = content_create(
        kind=item.kind,
        owner=owner,
        data=ContentInput(
            title=item.title,
            summary=item.summary,
            body=item.body,
            document_ids=item.documents,
            channels=item.channels,
            cover=cover,
            cover_name=cover_name,
        ),
        actor=user,
        at=created,
    )
    content_submit(content=content, actor=user, at=created + dt.timedelta(minutes=30))
    comment = rng.choice(["", "", "标题简洁，同意。", "请核对文号后发布。"])
    content_pass(content=content, actor=editors.reviewer, at=created + dt.timedelta(hours=3), comment=comment)
    publish_at = _at(item.day + dt.timedelta(days=1), 9)
    content_approve(content=content, actor=editors.leader, at=created + dt.timedelta(hours=6), publish_at=publish_at)
    content_publish_due(at=publish_at)
    content.refresh_from_db()
    return content


def _post_by_hand(content: Content, editors: Editors, rng: random.Random) -> None:
    """The editor posts each package on its platform the same day and records the URL; packages of the
    last three days still wait. Then the daily reach figures and the short-link clicks."""
    user, _ = editors.by_region[content.region_id]
    published = content.published_at or content.updated_at
    for post in ChannelPost.objects.filter(content=content).order_by("id"):
        if post.channel in POST_DOMAINS and post.state == PostState.PACKAGE_READY:
            posted_at = published + dt.timedelta(hours=rng.randrange(1, 6))
            if posted_at.date() > TODAY - dt.timedelta(days=3):
                continue
            url = POST_DOMAINS[post.channel] + f"{rng.randrange(10**15, 10**16)}"
            outbox.post_record_manual(post=post, url=url, actor=user, at=posted_at)
            post.refresh_from_db()
        if post.state != PostState.POSTED or post.channel not in READS:
            continue
        low, high = READS[post.channel]
        first = rng.randrange(low, high)
        posted = post.posted_at or published
        for d in range(4):
            day = timezone.localtime(posted).date() + dt.timedelta(days=d)
            if day >= TODAY or (post.channel == Channel.WECHAT and day.month == 10 and day.year == 2026):
                continue  # October's WeChat figures come from the CSV export (below)
            reads = max(first // (d * 3 + 1), 1)
            outbox.metric_record(
                post=post,
                day=day,
                reads=reads,
                shares=reads // rng.randrange(15, 40),
                likes=reads // rng.randrange(8, 25),
                comments=reads // rng.randrange(60, 200),
                actor=user,
                at=_at(day + dt.timedelta(days=1), 10),
            )
        link = outbox.short_link_for(content=content, channel=post.channel, at=posted)
        for _ in range(rng.randrange(3, 40)):
            outbox.short_link_click(code=link.code, at=posted + dt.timedelta(minutes=rng.randrange(5, 4000)))


def _wechat_october_csv(editors: Editors, rng: random.Random) -> None:
    """October 2026 WeChat figures as the 公众号 图文分析 export the editor downloads and imports."""
    posts = list(
        ChannelPost.objects.filter(
            channel=Channel.WECHAT, state=PostState.POSTED, posted_at__month=10, posted_at__year=2026
        )
    )
    if not posts:
        return
    rows = ["日期,文章标题,阅读人数,阅读次数,分享次数,点赞数,评论数,文章链接"]
    for post in posts:
        start = timezone.localtime(post.posted_at or post.created_at).date()
        first = rng.randrange(*READS[Channel.WECHAT])
        for d in range(4):
            day = start + dt.timedelta(days=d)
            if day >= TODAY:
                continue
            reads = max(first // (d * 3 + 1), 1)
            title = post.package.get("title", "").replace(",", "，")
            rows.append(
                f"{day:%Y-%m-%d},{title},{int(reads * 0.8)},{reads},{reads // 20},{reads // 12},{reads // 90},{post.external_url}"
            )
    city_editor = editors.by_region[min(editors.by_region)][0]
    outbox.metrics_import_csv(
        channel=Channel.WECHAT,
        file_name="公众号图文分析-2026年10月.csv",
        content=("\n".join(rows) + "\n").encode("utf-8-sig"),
        actor=city_editor,
        at=_at(dt.date(2026, 11, 3), 10),
    )


def _leaflets(editors: Editors, regions: list[Region]) -> None:
    """The SME-policy interpretation as an A4 and a tri-fold leaflet: 3,000 copies in March, 2,000 more in
    August, handed out in the trading hall week by week; a 曹县 leaflet for its own hall."""
    city = regions[0]
    editor = editors.by_region[city.pk][0]
    sme = Content.objects.filter(kind=ContentKind.INTERPRETATION, region=city).order_by("published_at").first()
    if sme is None or sme.published_at is None:
        return
    leaflet_at = sme.published_at + dt.timedelta(days=5)
    outreach.leaflet_generate(content=sme, format=LeafletFormat.A4, actor=editor, at=leaflet_at)
    trifold = outreach.leaflet_generate(content=sme, format=LeafletFormat.TRIFOLD, actor=editor, at=leaflet_at)
    staff = ["王晓燕、刘洋", "孙倩", "李明、赵敏", "张磊"]
    rng = random.Random(data.SEED + 51)
    for printed_on, copies, weeks in ((dt.date(2026, 3, 2), 3000, 20), (dt.date(2026, 8, 3), 2000, 14)):
        run = outreach.print_run_record(
            leaflet=trifold,
            copies=copies,
            printer="菏泽市印刷厂",
            printed_on=printed_on,
            region=city,
            actor=editor,
            at=_at(printed_on, 16),
        )
        left = copies
        for w in range(weeks):
            day = printed_on + dt.timedelta(days=7 * w + 1)
            if day >= TODAY or left <= 0:
                break
            handed = min(left, rng.randrange(100, 220))
            outreach.distribution_record(
                run=run,
                copies=handed,
                place="trading_hall",
                place_detail="菏泽市公共资源交易中心一楼大厅",
                region=city,
                distributed_on=day,
                staff=rng.choice(staff),
                actor=editor,
                at=_at(day, 17),
            )
            left -= handed
    cao = next((r for r in regions if r.code == "371721"), None)
    cao_item = Content.objects.filter(kind=ContentKind.INTERPRETATION, region=cao).first() if cao else None
    if cao is not None and cao_item is not None and cao_item.published_at is not None:
        cao_editor = editors.by_region[cao.pk][0]
        at = cao_item.published_at + dt.timedelta(days=3)
        leaflet = outreach.leaflet_generate(content=cao_item, format=LeafletFormat.A4, actor=cao_editor, at=at)
        run = outreach.print_run_record(
            leaflet=leaflet,
            copies=800,
            printer="曹县印务中心",
            printed_on=at.date(),
            region=cao,
            actor=cao_editor,
            at=at,
        )
        outreach.distribution_record(
            run=run,
            copies=650,
            place="trading_hall",
            place_detail="曹县公共资源交易中心",
            region=cao,
            distributed_on=at.date() + dt.timedelta(days=2),
            staff="马丽",
            actor=cao_editor,
            at=at + dt.timedelta(days=2),
        )


EVENTS = [
    (
        EventKind.PUBLICITY_DAY,
        "政府采购政策宣传日",
        "371700",
        "菏泽市公共资源交易中心",
        dt.date(2026, 3, 15),
        {"suppliers": 160, "purchasers": 45, "agencies": 22, "public": 30},
    ),
    (
        EventKind.SUPPLIER_MEETUP,
        "中小企业政府采购政策座谈会",
        "371700",
        "菏泽市财政局三楼会议室",
        dt.date(2026, 4, 22),
        {"suppliers": 48, "agencies": 6},
    ),
    (
        EventKind.HALL_DESK,
        "交易大厅政策咨询台（5月）",
        "371700",
        "菏泽市公共资源交易中心一楼大厅",
        dt.date(2026, 5, 20),
        {"suppliers": 85, "public": 12},
    ),
    (
        EventKind.SUPPLIER_MEETUP,
        "曹县政采贷银企对接会",
        "371721",
        "曹县财政局会议室",
        dt.date(2026, 6, 18),
        {"suppliers": 36, "purchasers": 8},
    ),
    (
        EventKind.PUBLICITY_DAY,
        "单县政府采购政策进园区",
        "371722",
        "单县经济开发区管委会",
        dt.date(2026, 7, 9),
        {"suppliers": 52, "public": 15},
    ),
    (
        EventKind.HALL_DESK,
        "交易大厅政策咨询台（9月）",
        "371700",
        "菏泽市公共资源交易中心一楼大厅",
        dt.date(2026, 9, 16),
        {"suppliers": 64, "agencies": 9},
    ),
    (
        EventKind.SUPPLIER_MEETUP,
        "电子保函推广说明会",
        "371702",
        "牡丹区政务服务中心",
        dt.date(2026, 10, 28),
        {"suppliers": 41, "agencies": 5},
    ),
    (EventKind.PUBLICITY_DAY, "政府采购营商环境宣传周", "371700", "菏泽市人民广场", dt.date(2026, 12, 8), {}),
]


def _events(editors: Editors, regions: list[Region]) -> None:
    by_code = {r.code: r for r in regions}
    documents = list(PolicyDocument.objects.filter(number__in=["财库〔2020〕46号", "菏财采〔2023〕5号"]))
    for kind, title, code, place, day, counts in EVENTS:
        region = by_code.get(code)
        if region is None:
            continue
        editor = editors.by_region[region.pk][0]
        planned_at = _at(day - dt.timedelta(days=14), 10)
        event = outreach.event_create(
            kind=kind,
            title=title,
            region=region,
            place=place,
            starts_at=_at(day, 9),
            ends_at=_at(day, 11, 30),
            description=f"{title}：解读中小企业支持、保证金减免、政采贷等政策，现场答疑。",
            documents=documents,
            actor=editor,
            at=planned_at,
        )
        if day < TODAY and counts:
            outreach.event_status_set(event=event, status=EventStatus.HELD, actor=editor, at=_at(day, 12))
            outreach.event_attendance_record(event=event, counts=counts, actor=editor, at=_at(day, 14))


def _open_letter(editors: Editors, regions: list[Region], rng: random.Random) -> Content:
    title, summary, paragraphs = OPEN_LETTER
    item = Planned(
        ContentKind.OPEN_LETTER, title, summary, "\n\n".join(paragraphs), regions[0], dt.date(2026, 2, 27), [], []
    )
    letter = _publish(item, editors, rng)
    _post_by_hand(letter, editors, rng)
    # Acknowledgements by the suppliers that have staff accounts, spread over the following months.
    staff = list(
        Membership.objects.filter(role=Role.SUPPLIER_STAFF, organization__kind=OrganizationKind.SUPPLIER)
        .select_related("organization", "user")
        .order_by("organization_id", "id")
    )
    seen: set[int] = set()
    published = letter.published_at or letter.updated_at
    for m in staff:
        if m.organization_id in seen or m.organization.status != "active":
            continue
        seen.add(m.organization_id)
        share = {"micro": 0.72, "small": 0.66, "medium": 0.55, "large": 0.4}.get(m.organization.size, 0.5)
        if rng.random() > share:
            continue
        at = published + dt.timedelta(days=rng.randrange(0, 240), minutes=rng.randrange(0, 600))
        if at.date() >= TODAY:
            continue
        letter_acknowledge(content=letter, supplier=m.organization, actor=m.user, at=at)
    return letter


def _draft(
    editors: Editors, region: Region, kind: str, title: str, summary: str, numbers: list[str], at: dt.datetime
) -> Content:
    user, owner = editors.by_region[region.pk]
    documents = list(PolicyDocument.objects.filter(number__in=numbers).values_list("pk", flat=True))
    cover, cover_name = _cover(random.Random(title))
    channels: list[str] = [Channel.WEBSITE, Channel.FEED, Channel.WECHAT, Channel.WEIBO, Channel.TOUTIAO]
    return content_create(
        kind=kind,
        owner=owner,
        data=ContentInput(
            title=title,
            summary=summary,
            body=_body(title, summary, random.Random(title)),
            document_ids=documents,
            channels=channels,
            cover=cover,
            cover_name=cover_name,
        ),
        actor=user,
        at=at,
    )


def _work_in_progress(editors: Editors, regions: list[Region]) -> None:
    """What the demo logins find waiting on the demo's "today": a draft, a returned draft, items to review
    and to approve, one scheduled for the day after tomorrow, and yesterday's packages to post by hand."""
    by_code = {r.code: r for r in regions}
    city, cao = regions[0], by_code.get("371721", regions[-1])
    other = by_code.get("371722", regions[-1])
    day = TODAY - dt.timedelta(days=1)
    _draft(
        editors,
        city,
        ContentKind.INTERPRETATION,
        "政府采购支持乡村振兴政策解读",
        "预留份额、价格扣除等政策同样适用于脱贫地区农副产品采购。",
        ["财库〔2022〕19号"],
        _at(day, 15),
    )
    returned = _draft(
        editors,
        other,
        ContentKind.ARTICLE,
        f"{other.name}政府采购平均付款时间缩短",
        f"{other.name}采购人向中小企业付款平均用时进一步缩短。",
        [],
        _at(day, 9),
    )
    other_editor = editors.by_region[other.pk][0]
    content_submit(content=returned, actor=other_editor, at=_at(day, 9, 30))
    content_return(
        content=returned,
        stage="review",
        comment="请补充付款天数的数据来源和统计口径后再提交。",
        actor=editors.reviewer,
        at=_at(day, 14),
    )
    review = _draft(
        editors,
        cao,
        ContentKind.ARTICLE,
        "曹县开展政府采购营商环境专项整治",
        "曹县财政局对采购人设置不合理条件等问题开展专项整治。",
        [],
        _at(TODAY, 9),
    )
    cao_editor = editors.by_region[cao.pk][0]
    content_submit(content=review, actor=cao_editor, at=_at(TODAY, 9, 20))
    approval = _draft(
        editors,
        city,
        ContentKind.INTERPRETATION,
        "框架协议采购方式解读",
        "框架协议采购适用于多频次、小额度采购，分封闭式和开放式两种。",
        ["财政部令第110号"],
        _at(day, 10),
    )
    city_editor = editors.by_region[city.pk][0]
    content_submit(content=approval, actor=city_editor, at=_at(day, 10, 30))
    content_pass(content=approval, actor=editors.reviewer, at=_at(day, 16), comment="内容准确，请领导审定。")
    scheduled = _draft(
        editors,
        city,
        ContentKind.NOTICE,
        "关于做好2027年政府采购意向公开工作的通知",
        "请各预算单位在采购活动开始前30日公开采购意向。",
        ["财库〔2020〕10号"],
        _at(day, 11),
    )
    content_submit(content=scheduled, actor=city_editor, at=_at(day, 11, 10))
    content_pass(content=scheduled, actor=editors.reviewer, at=_at(day, 15))
    content_approve(
        content=scheduled, actor=editors.leader, at=_at(TODAY, 10), publish_at=_at(TODAY + dt.timedelta(days=2), 9)
    )
    fresh = _draft(
        editors,
        city,
        ContentKind.STORY,
        "政采贷助力企业按期交货",
        "一家小微企业凭政府采购合同三天获得银行贷款，按期完成交货。",
        [],
        _at(day - dt.timedelta(days=1), 9),
    )
    content_submit(content=fresh, actor=city_editor, at=_at(day - dt.timedelta(days=1), 9, 10))
    content_pass(content=fresh, actor=editors.reviewer, at=_at(day - dt.timedelta(days=1), 11))
    content_approve(
        content=fresh, actor=editors.leader, at=_at(day - dt.timedelta(days=1), 15), publish_at=_at(day, 9)
    )
    content_publish_due(at=_at(day, 9))  # its WeChat, Weibo and Toutiao packages wait for the editor


def seed_publicity(*, small: bool = False) -> dict[str, Any]:
    """Load the year of publicity; returns counts for the seed's report."""
    if Content.objects.filter(kind=ContentKind.OPEN_LETTER).exists():
        return {"skipped": True}
    regions = list(Region.objects.order_by("sort", "code"))
    rng = random.Random(data.SEED + 52)
    editors = _editors(regions, _at(START - dt.timedelta(days=1), 9))
    items = _plan(regions, rng, small)
    letter_done = False
    for item in items:
        if not letter_done and item.day >= dt.date(2026, 2, 27):
            _open_letter(editors, regions, rng)
            letter_done = True
        if item.day >= TODAY - dt.timedelta(days=1):
            continue
        content = _publish(item, editors, rng)
        _post_by_hand(content, editors, rng)
    _wechat_october_csv(editors, rng)
    _leaflets(editors, regions)
    _events(editors, regions)
    _work_in_progress(editors, regions)
    return {
        "items": Content.objects.count(),
        "posts": ChannelPost.objects.filter(state=PostState.POSTED).count(),
        "waiting": ChannelPost.objects.filter(state=PostState.PACKAGE_READY).count(),
        "acknowledgements": LetterAcknowledgement.objects.count(),
    }
