"""The reach dashboard (reads): what the publicity reached, per month, region and channel, in the reader's scope.

Figures, all counted in the database (one grouped query each, whatever the amount of data):
- posts: channel posts in state ``posted``, by the month they were posted and the item's region;
- reads, shares, likes: the platforms' daily figures (``ReachMetric``), by the day's month;
- clicks: visits through the short links (``ShortLinkClick``), by channel — a leaflet's QR code is channel
  "leaflet", an event's "event";
- printed and distributed: leaflet copies by print date / distribution date and the run's / distribution's region;
- events and attendance: held events by their start, people from the sign-in sheets;
- acknowledgements: suppliers' acknowledgements of an open letter, by the supplier's region.
The channel filter narrows the channel figures (posts, reads, shares, likes, clicks) only.

Acknowledgement rates are for one open letter (the latest published unless chosen): approved suppliers
(kind supplier, status active) that acknowledged it, over approved suppliers, by region and by size.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengcai.accounts.selectors import Scope, regions_in_scope, user_scope
from zhengcai.core.permissions import P
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind, OrganizationStatus, Region

from .models import (
    Audience,
    Channel,
    ChannelPost,
    Content,
    ContentKind,
    Distribution,
    Event,
    EventAttendance,
    EventKind,
    EventStatus,
    LetterAcknowledgement,
    PostState,
    PrintRun,
    ReachMetric,
    ShortLinkClick,
)

CHANNEL_FIGURES = ("posts", "reads", "shares", "likes", "clicks")
FIGURES = (*CHANNEL_FIGURES, "printed", "distributed", "events", "attendance", "acks")
FIGURE_LABELS = {
    "posts": gettext_lazy("Posts published"),
    "reads": gettext_lazy("Reads"),
    "shares": gettext_lazy("Shares"),
    "likes": gettext_lazy("Likes"),
    "clicks": gettext_lazy("Short-link clicks"),
    "printed": gettext_lazy("Leaflets printed"),
    "distributed": gettext_lazy("Leaflets distributed"),
    "events": gettext_lazy("Events held"),
    "attendance": gettext_lazy("Attendance"),
    "acks": gettext_lazy("Open-letter acknowledgements"),
}
LINK_CHANNELS = {"leaflet": gettext_lazy("Leaflet QR code"), "event": gettext_lazy("Event QR code")}


def channel_choices() -> list[tuple[str, Any]]:
    """Every channel a figure can come from: the posting channels, then the printed QR codes."""
    return [*Channel.choices, *LINK_CHANNELS.items()]


@dataclass
class Row:
    key: Any
    label: str
    values: dict[str, int] = field(default_factory=dict)
    parts: tuple[str, ...] = ()  # the label's columns (month, region, channel) in the detail table

    def get(self, name: str) -> int:
        return self.values.get(name, 0)


@dataclass
class Rate:
    label: str
    approved: int
    acknowledged: int
    parts: tuple[str, ...] = ()  # (region, size) in the detail table

    @property
    def rate(self) -> Decimal | None:
        """Acknowledged / approved as a fraction with four decimals (None when no supplier is approved)."""
        if not self.approved:
            return None
        return (Decimal(self.acknowledged) / Decimal(self.approved)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def percent(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class Dashboard:
    year: int
    region: Region | None
    channel: str
    letter: Content | None
    regions: list[Region]
    by_month: list[Row]
    by_region: list[Row]
    by_channel: list[Row]
    detail: list[Row]  # key (month, region id, channel), only combinations with a figure
    events_by_kind: list[Row]  # values: events and one column per audience
    ack_by_region: list[Rate]
    ack_by_size: list[Rate]
    ack_detail: list[Rate]  # region × size
    ack_total: Rate
    totals: dict[str, int]


def _year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def _month(name: str) -> ExtractMonth:
    return ExtractMonth(name, tzinfo=timezone.get_default_timezone())


def _regions(scope: Scope, region: Region | None) -> list[Region]:
    regions = regions_in_scope(scope)
    if region is not None:
        regions = regions.filter(pk=region.pk)
    return list(regions.order_by("sort", "code"))


def _scoped(qs: QuerySet[Any], region_field: str, region_ids: list[int], everything: bool) -> QuerySet[Any]:
    if everything:
        return qs
    return qs.filter(**{f"{region_field}__in": region_ids})


def open_letters() -> QuerySet[Content]:
    """Published open letters to suppliers (public texts), newest first."""
    return Content.objects.filter(kind=ContentKind.OPEN_LETTER, live_revision__isnull=False).order_by(
        "-first_published_at", "-id"
    )


def reach_dashboard(
    *, user: Any, year: int, region: Region | None = None, channel: str = "", letter: Content | None = None
) -> Dashboard:
    """Every table of the dashboard for ``user``'s scope (``P.PUBLICITY_VIEW``), with the filters applied."""
    scope = user_scope(user=user, perm=P.PUBLICITY_VIEW)
    regions = _regions(scope, region)
    region_ids = [r.pk for r in regions]
    everything = scope.everything and region is None
    start, end = _year_range(year)
    day_start, day_end = start.date(), end.date()

    def scoped(qs: QuerySet[Any], region_field: str) -> QuerySet[Any]:
        return _scoped(qs, region_field, region_ids, everything)

    def channel_filter(qs: QuerySet[Any], channel_field: str) -> QuerySet[Any]:
        return qs.filter(**{channel_field: channel}) if channel else qs

    # (month, region id, channel) → figure → value, and (month, region id) → figure → value
    cube: dict[tuple[int, int, str], dict[str, int]] = defaultdict(dict)
    plain: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)

    posts = scoped(
        ChannelPost.objects.filter(state=PostState.POSTED, posted_at__gte=start, posted_at__lt=end), "content__region"
    )
    for r in (
        channel_filter(posts, "channel")
        .values("channel", month=_month("posted_at"), region=F("content__region"))
        .annotate(n=Count("id"))
    ):
        cube[(r["month"], r["region"], r["channel"])]["posts"] = r["n"]
    metrics = scoped(ReachMetric.objects.filter(day__gte=day_start, day__lt=day_end), "post__content__region")
    for r in (
        channel_filter(metrics, "post__channel")
        .values(month=ExtractMonth("day"), region=F("post__content__region"), channel=F("post__channel"))
        .annotate(reads=Sum("reads"), shares=Sum("shares"), likes=Sum("likes"))
    ):
        cube[(r["month"], r["region"], r["channel"])].update(reads=r["reads"], shares=r["shares"], likes=r["likes"])
    clicks = scoped(ShortLinkClick.objects.filter(at__gte=start, at__lt=end), "link__content__region")
    for r in (
        channel_filter(clicks, "link__channel")
        .values(month=_month("at"), region=F("link__content__region"), channel=F("link__channel"))
        .annotate(n=Count("id"))
    ):
        cube[(r["month"], r["region"], r["channel"])]["clicks"] = r["n"]

    runs = scoped(PrintRun.objects.filter(ordered_on__gte=day_start, ordered_on__lt=day_end), "region")
    for r in runs.values("region", month=ExtractMonth("ordered_on")).annotate(n=Sum("copies")):
        plain[(r["month"], r["region"])]["printed"] = r["n"]
    handed = scoped(Distribution.objects.filter(distributed_on__gte=day_start, distributed_on__lt=day_end), "region")
    for r in handed.values("region", month=ExtractMonth("distributed_on")).annotate(n=Sum("copies")):
        plain[(r["month"], r["region"])]["distributed"] = r["n"]
    held = scoped(Event.objects.filter(status=EventStatus.HELD, starts_at__gte=start, starts_at__lt=end), "region")
    kinds: dict[str, dict[str, int]] = defaultdict(dict)
    for r in held.values("region", "kind", month=_month("starts_at")).annotate(n=Count("id")):
        cell = plain[(r["month"], r["region"])]
        cell["events"] = cell.get("events", 0) + r["n"]
        kinds[r["kind"]]["events"] = kinds[r["kind"]].get("events", 0) + r["n"]
    people = scoped(
        EventAttendance.objects.filter(
            event__status=EventStatus.HELD, event__starts_at__gte=start, event__starts_at__lt=end
        ),
        "event__region",
    )
    for r in people.values(
        "audience", region=F("event__region"), kind=F("event__kind"), month=_month("event__starts_at")
    ).annotate(n=Sum("count")):
        cell = plain[(r["month"], r["region"])]
        cell["attendance"] = cell.get("attendance", 0) + r["n"]
        kinds[r["kind"]][r["audience"]] = kinds[r["kind"]].get(r["audience"], 0) + r["n"]
    acks = scoped(LetterAcknowledgement.objects.filter(at__gte=start, at__lt=end), "supplier__region")
    for r in acks.values(region=F("supplier__region"), month=_month("at")).annotate(n=Count("id")):
        plain[(r["month"], r["region"])]["acks"] = r["n"]

    labels = {r.pk: r.name for r in regions}
    channel_labels = dict(channel_choices())
    months = [Row(m, f"{year}-{m:02d}") for m in range(1, 13)]
    by_region = [Row(r.pk, r.name) for r in regions]
    by_channel = [Row(c, str(label)) for c, label in channel_choices() if not channel or c == channel]
    month_index = {row.key: row for row in months}
    region_index = {row.key: row for row in by_region}
    channel_index = {row.key: row for row in by_channel}
    totals: dict[str, int] = dict.fromkeys(FIGURES, 0)
    detail = []

    def add(row: Row | None, values: dict[str, int]) -> None:
        if row is not None:
            for name, value in values.items():
                row.values[name] = row.values.get(name, 0) + (value or 0)

    region_order = {r.pk: index for index, r in enumerate(regions)}
    channel_order = {c: index for index, (c, _label) in enumerate(channel_choices())}

    def cube_order(item: tuple[tuple[int, int, str], dict[str, int]]) -> tuple[int, int, int]:
        (month, region_id, chan), _values = item
        return month, region_order.get(region_id, len(region_order)), channel_order.get(chan, len(channel_order))

    for (month, region_id, chan), values in sorted(cube.items(), key=cube_order):
        add(month_index.get(month), values)
        add(region_index.get(region_id), values)
        add(channel_index.get(chan), values)
        parts = (f"{year}-{month:02d}", labels.get(region_id, "—"), str(channel_labels.get(chan, chan)))
        values_here = {name: values.get(name, 0) for name in CHANNEL_FIGURES}
        detail.append(Row((month, region_id, chan), " · ".join(parts), values_here, parts))
    for (month, region_id), values in plain.items():
        add(month_index.get(month), values)
        add(region_index.get(region_id), values)
    for row in months:
        for name in FIGURES:
            totals[name] += row.get(name)
    events_by_kind = [Row(kind, str(label), kinds.get(kind, {})) for kind, label in EventKind.choices]

    letter = letter or open_letters().first()
    ack_by_region, ack_by_size, ack_detail, ack_total = _ack_rates(regions, everything=everything, letter=letter)
    return Dashboard(
        year=year,
        region=region,
        channel=channel,
        letter=letter,
        regions=regions,
        by_month=months,
        by_region=by_region,
        by_channel=by_channel,
        detail=detail,
        events_by_kind=events_by_kind,
        ack_by_region=ack_by_region,
        ack_by_size=ack_by_size,
        ack_detail=ack_detail,
        ack_total=ack_total,
        totals=totals,
    )


def _ack_rates(
    regions: list[Region], *, everything: bool, letter: Content | None
) -> tuple[list[Rate], list[Rate], list[Rate], Rate]:
    """Approved suppliers and those that acknowledged ``letter``, by region × size (one grouped query)."""
    suppliers = Organization.objects.filter(kind=OrganizationKind.SUPPLIER, status=OrganizationStatus.ACTIVE)
    suppliers = _scoped(suppliers, "region", [r.pk for r in regions], everything)
    acknowledged = LetterAcknowledgement.objects.filter(supplier=OuterRef("pk"), content=letter)
    cells: dict[tuple[int, str], tuple[int, int]] = {}
    for r in suppliers.values("region", "size").annotate(
        approved=Count("id"), acknowledged=Count("id", filter=Q(Exists(acknowledged)))
    ):
        cells[(r["region"], r["size"])] = (r["approved"], r["acknowledged"] if letter is not None else 0)
    sizes = EnterpriseSize.choices

    def rate(label: str, keys: list[tuple[int, str]], parts: tuple[str, ...] = ()) -> Rate:
        found = [cells[k] for k in keys if k in cells]
        return Rate(label, sum(a for a, _n in found), sum(n for _a, n in found), parts)

    by_region = [rate(r.name, [(r.pk, s) for s, _l in sizes]) for r in regions]
    by_size = [rate(str(label), [(r.pk, s) for r in regions]) for s, label in sizes]
    detail = [rate(f"{r.name} · {label}", [(r.pk, s)], (r.name, str(label))) for r in regions for s, label in sizes]
    total = rate(_("All"), [(r.pk, s) for r in regions for s, _l in sizes])
    return by_region, by_size, detail, total


# --- charts and the Excel export --------------------------------------------------------------------------


def _dataset(label: Any, data: list[Any], **extra: Any) -> dict[str, Any]:
    return {"label": str(label), "data": data, **extra}


def charts(board: Dashboard) -> dict[str, dict[str, Any]]:
    """The data blocks the page's charts draw (static/zc/charts.js); each has a table beside it."""
    return {
        "month": {
            "type": "bar",
            "labels": [row.label for row in board.by_month],
            "datasets": [
                _dataset(FIGURE_LABELS[name], [row.get(name) for row in board.by_month])
                for name in ("reads", "shares", "likes", "clicks")
            ],
        },
        "channel": {
            "type": "bar",
            "labels": [row.label for row in board.by_channel],
            "datasets": [
                _dataset(FIGURE_LABELS[name], [row.get(name) for row in board.by_channel])
                for name in ("reads", "clicks")
            ],
        },
        "region": {
            "type": "bar",
            "labels": [row.label for row in board.by_region],
            "datasets": [
                _dataset(FIGURE_LABELS[name], [row.get(name) for row in board.by_region])
                for name in ("printed", "distributed", "attendance")
            ],
        },
        "ack": {
            "type": "bar",
            "percent": True,
            "labels": [rate.label for rate in board.ack_by_region],
            "datasets": [
                _dataset(
                    _("Acknowledgement rate"),
                    [float(rate.rate * 100) if rate.rate is not None else None for rate in board.ack_by_region],
                )
            ],
        },
    }


def _sheet(
    book: Any, title: str, header: list[str], rows: list[list[Any]], percent_columns: tuple[int, ...] = ()
) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in percent_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "0.0%"
    for index, text in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(10, len(text) * 2 + 2)
    sheet.freeze_panes = "A2"


def workbook(board: Dashboard, *, at: dt.datetime) -> bytes:
    """The dashboard's tables as an Excel workbook: one sheet per table, Chinese headers, numbers as numbers."""
    from openpyxl import Workbook

    with translation.override("zh-hans"):
        book = Workbook()
        info = book.active
        info.title = _("Filters")
        channel_labels = dict(channel_choices())
        for label, value in (
            (_("Year"), board.year),
            (_("Region"), board.region.name if board.region else _("All regions in scope")),
            (_("Channel"), str(channel_labels[board.channel]) if board.channel else _("All channels")),
            (_("Open letter"), board.letter.title if board.letter else "—"),
            (_("Exported at"), timezone.localtime(at).strftime("%Y-%m-%d %H:%M")),
        ):
            info.append([label, value])
        info.column_dimensions["A"].width, info.column_dimensions["B"].width = 16, 48
        figures = [str(FIGURE_LABELS[name]) for name in FIGURES]
        channel_figures = [str(FIGURE_LABELS[name]) for name in CHANNEL_FIGURES]

        def table(rows: list[Row], names: tuple[str, ...]) -> list[list[Any]]:
            return [[row.label, *(row.get(n) for n in names)] for row in rows]

        _sheet(
            book,
            _("By month"),
            [_("Month"), *figures],
            [*table(board.by_month, FIGURES), [_("Total"), *(board.totals[n] for n in FIGURES)]],
        )
        _sheet(book, _("By region"), [_("Region"), *figures], table(board.by_region, FIGURES))
        _sheet(book, _("By channel"), [_("Channel"), *channel_figures], table(board.by_channel, CHANNEL_FIGURES))
        _sheet(
            book,
            _("Month, region and channel"),
            [_("Month"), _("Region"), _("Channel"), *channel_figures],
            [[*row.parts, *(row.get(n) for n in CHANNEL_FIGURES)] for row in board.detail],
        )
        audiences = [str(label) for _v, label in Audience.choices]
        _sheet(
            book,
            _("Events"),
            [_("Event type"), str(FIGURE_LABELS["events"]), *audiences, str(FIGURE_LABELS["attendance"])],
            [
                [
                    row.label,
                    row.get("events"),
                    *(row.get(a) for a, _l in Audience.choices),
                    sum(row.get(a) for a, _l in Audience.choices),
                ]
                for row in board.events_by_kind
            ],
        )
        rate_header = [_("Approved suppliers"), _("Acknowledged"), _("Acknowledgement rate")]

        def rates(items: list[Rate]) -> list[list[Any]]:
            return [[r.label, r.approved, r.acknowledged, r.rate] for r in items]

        _sheet(
            book,
            _("Rates by region"),
            [_("Region"), *rate_header],
            [*rates(board.ack_by_region), *rates([board.ack_total])],
            (4,),
        )
        _sheet(
            book,
            _("Rates by size"),
            [_("Supplier size"), *rate_header],
            [*rates(board.ack_by_size), *rates([board.ack_total])],
            (4,),
        )
        _sheet(
            book,
            _("Rates by region and size"),
            [_("Region"), _("Supplier size"), *rate_header],
            [[*r.parts, r.approved, r.acknowledged, r.rate] for r in board.ack_detail],
            (5,),
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
