"""Paper media and on-site publicity: leaflets, print runs and their distribution, events (writes and reads).

Who: holders of ``P.PUBLICITY_EDIT`` write, each for the regions their membership reaches (the city
bureau's publicity staff the whole city, a county editor that county); holders of ``P.PUBLICITY_VIEW``
read in their scope. A leaflet is made from the *live* revision of a published policy interpretation
(public text, so any editor may print it for their region); print runs, distributions and events belong
to a region.

Rules: a print run has at least one copy; the copies handed out from a run never exceed the copies printed
(refused with what is left); distribution at an event happens in that event's region, during it, and not
at a cancelled one; an event is marked held only once it has started; attendance is recorded only for
held events. Every write is one transaction and one audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import Scope, regions_in_scope, user_scope
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.permissions import P, user_has_perm
from zhengcai.organizations.models import Region
from zhengcai.policies.models import PolicyDocument

from . import outbox
from .errors import OutreachError
from .models import (
    Audience,
    Content,
    ContentKind,
    ContentStatus,
    Distribution,
    DistributionPlace,
    Event,
    EventAttendance,
    EventKind,
    EventStatus,
    Leaflet,
    LeafletFormat,
    PrintRun,
)

LEAFLET_CHANNEL = "leaflet"  # the short link printed in a leaflet's QR code (ShortLink.channel)
MAX_COPIES = 1_000_000  # per print run or distribution: more is a typing error, not a print order
MAX_PEOPLE = 1_000_000  # per audience at one event
MAX_DESCRIPTION = 5_000

EVENT_TRANSITIONS: dict[str, frozenset[str]] = {
    EventStatus.PLANNED: frozenset({EventStatus.HELD, EventStatus.CANCELLED}),
    EventStatus.HELD: frozenset(),
    EventStatus.CANCELLED: frozenset(),
}

AUDIT_ACTIONS: dict[str, Promise] = {
    "leaflet.generate": _("Leaflet generated"),
    "leaflet_run.record": _("Leaflet print run recorded"),
    "leaflet_distribution.record": _("Leaflet distribution recorded"),
    "publicity_event.create": _("On-site publicity event created"),
    "publicity_event.status": _("On-site publicity event marked held or cancelled"),
    "publicity_event.attendance": _("Event attendance recorded"),
}


# --- shared checks ----------------------------------------------------------------------------------------


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _require(actor: Any, perm: P) -> None:
    if not user_has_perm(actor, perm):
        raise PermissionDenied


def _reaches(scope: Scope, region_id: int | None) -> bool:
    return scope.everything or region_id in scope.region_ids


def _require_region(actor: Any, region: Region | int | None) -> None:
    """Writes stay in the regions the editor's membership reaches (out of scope: forbidden)."""
    region_id = region.pk if isinstance(region, Region) else region
    if region_id is None or not _reaches(user_scope(user=actor, perm=P.PUBLICITY_EDIT), region_id):
        raise PermissionDenied


def _text(
    value: str | None, *, field: str, label: Promise, max_length: int, required: bool = True
) -> tuple[str, ServiceError | None]:
    """The stripped text, or the error naming the field and the rule (never cut to fit)."""
    text = (value or "").strip()
    if required and not text:
        return text, ServiceError(OutreachError.REQUIRED, field, _("{name}: required."), name=label)
    if len(text) > max_length:
        return text, ServiceError(
            OutreachError.TOO_LONG,
            field,
            _("{name}: at most {limit} characters ({length} given)."),
            name=label,
            limit=max_length,
            length=len(text),
        )
    return text, None


def _count(value: Any, *, field: str, label: Promise, minimum: int, maximum: int) -> ServiceError | None:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        return ServiceError(
            OutreachError.NUMBER,
            field,
            _("{name}: a whole number from {minimum} to {maximum}."),
            name=label,
            minimum=minimum,
            maximum=f"{maximum:,}",
        )
    return None


def _choice(value: str, choices: Any, *, field: str, label: Promise) -> ServiceError | None:
    if value in choices.values:
        return None
    return ServiceError(OutreachError.CHOICE, field, _("{name}: not one of the choices."), name=label)


# --- leaflets ---------------------------------------------------------------------------------------------


def leaflet_source_problem(content: Content) -> ServiceError | None:
    """Why no leaflet can be made from this item (None when it can)."""
    if content.kind != ContentKind.INTERPRETATION:
        return ServiceError(
            OutreachError.NOT_INTERPRETATION, "content", _("Leaflets are made from policy interpretations only.")
        )
    if content.live_revision_id is None or content.status == ContentStatus.WITHDRAWN:
        return _not_published()
    return None


def _not_published() -> ServiceError:
    return ServiceError(
        OutreachError.NOT_PUBLISHED,
        "content",
        _("Leaflets are made from published text: this interpretation is not published."),
    )


def leaflet_generate(*, content: Content, format: str, actor: Any, at: dt.datetime) -> Leaflet:
    """The print-ready PDF of the item's live revision in ``format`` (made once per revision and format).

    The PDF is laid out before the transaction (WeasyPrint takes a moment and must not hold locks); the
    row is written only if the live revision is still the one that was laid out. Text that does not fit
    the format is refused with the part that overflows, never cut."""
    from . import leaflet as layout  # late: loads WeasyPrint only when a leaflet is made

    _require(actor, P.PUBLICITY_EDIT)
    if format not in LeafletFormat.values:
        raise ServiceError(OutreachError.CHOICE, "format", _("{name}: not one of the choices."), name=_("format"))
    content = Content.objects.select_related("owner", "region", "live_revision").get(pk=content.pk)
    problem = leaflet_source_problem(content)
    revision = content.live_revision
    if problem is not None or revision is None:
        raise problem or _not_published()
    existing = Leaflet.objects.filter(revision=revision, format=format).first()
    if existing is not None:
        return existing
    link = outbox.short_link_for(content=content, channel=LEAFLET_CHANNEL, at=at)
    rendered = layout.render(content=content, revision=revision, format=format, url=outbox.short_url(link), at=at)
    with transaction.atomic():
        locked = Content.objects.select_for_update().get(pk=content.pk)
        if locked.live_revision_id != revision.pk:
            raise ServiceError(
                OutreachError.REVISION_CHANGED,
                "content",
                _("The published text changed while the leaflet was being laid out: generate it again."),
            )
        existing = Leaflet.objects.filter(revision=revision, format=format).first()
        if existing is not None:
            return existing
        sha = hashlib.sha256(rendered.pdf).hexdigest()
        leaflet = Leaflet(
            content=content,
            revision=revision,
            format=format,
            sha256=sha,
            pages=rendered.pages,
            generated_by=actor,
            generated_at=at,
        )
        name = f"{content.pk}-r{revision.number}-{format}-{sha[:12]}.pdf"
        leaflet.pdf.save(name, ContentFile(rendered.pdf), save=False)
        try:
            leaflet.save()
            audit_record(
                actor=actor,
                action="leaflet.generate",
                obj=leaflet,
                after={**snapshot(leaflet), "url": rendered.url},
                at=at,
            )
        except BaseException:
            leaflet.pdf.delete(save=False)  # the row was not written: no orphan file
            raise
    return leaflet


# --- print runs and distribution --------------------------------------------------------------------------


@transaction.atomic
def print_run_record(
    *,
    leaflet: Leaflet,
    copies: int,
    printer: str,
    printed_on: dt.date,
    region: Region,
    actor: Any,
    at: dt.datetime,
) -> PrintRun:
    """Copies of a leaflet printed for a region (by a print shop, on a day that has passed)."""
    _require(actor, P.PUBLICITY_EDIT)
    _require_region(actor, region)
    leaflet = Leaflet.objects.get(pk=leaflet.pk)
    errors: list[ServiceError] = []
    printer_text, problem = _text(printer, field="printer", label=_("printer"), max_length=100)
    errors += [
        e for e in (problem, _count(copies, field="copies", label=_("copies"), minimum=1, maximum=MAX_COPIES)) if e
    ]
    generated_on = _local_date(leaflet.generated_at)
    if not generated_on <= printed_on <= _local_date(at):
        errors.append(
            ServiceError(
                OutreachError.DATE,
                "printed_on",
                _("The print date must lie between the leaflet's generation ({start}) and today."),
                start=generated_on.isoformat(),
            )
        )
    raise_if_any(errors)
    run = PrintRun(
        leaflet=leaflet,
        copies=copies,
        printer=printer_text,
        ordered_on=printed_on,
        region=region,
        recorded_by=actor,
        recorded_at=at,
    )
    run.save()
    audit_record(actor=actor, action="leaflet_run.record", obj=run, after=snapshot(run), at=at)
    return run


def distributed_copies(run: PrintRun) -> int:
    return int(Distribution.objects.filter(run=run).aggregate(n=Coalesce(Sum("copies"), 0))["n"])


@transaction.atomic
def distribution_record(
    *,
    run: PrintRun,
    copies: int,
    place: str,
    region: Region,
    distributed_on: dt.date,
    staff: str,
    actor: Any,
    at: dt.datetime,
    place_detail: str = "",
    event: Event | None = None,
) -> Distribution:
    """Copies of a print run handed out at one place on one day by named staff.

    The run is locked, so two distributions recorded at once cannot together exceed what was printed."""
    _require(actor, P.PUBLICITY_EDIT)
    run = PrintRun.objects.select_for_update().get(pk=run.pk)
    _require_region(actor, run.region_id)
    _require_region(actor, region)
    errors: list[ServiceError] = []
    staff_text, staff_problem = _text(staff, field="staff", label=_("staff"), max_length=200)
    detail_text, detail_problem = _text(
        place_detail, field="place_detail", label=_("place details"), max_length=200, required=False
    )
    errors += [
        e
        for e in (
            _count(copies, field="copies", label=_("copies"), minimum=1, maximum=MAX_COPIES),
            _choice(place, DistributionPlace, field="place", label=_("place")),
            detail_problem,
            staff_problem,
        )
        if e
    ]
    if not run.ordered_on <= distributed_on <= _local_date(at):
        errors.append(
            ServiceError(
                OutreachError.DATE,
                "distributed_on",
                _("The distribution date must lie between the print date ({start}) and today."),
                start=run.ordered_on.isoformat(),
            )
        )
    if event is not None:
        event = Event.objects.get(pk=event.pk)
        errors += _event_distribution_problems(event, place=place, region=region, day=distributed_on)
    elif place == DistributionPlace.EVENT:
        errors.append(
            ServiceError(
                OutreachError.EVENT_MISMATCH, "event", _("Choose the event where the copies were handed out.")
            )
        )
    raise_if_any(errors)
    distributed = distributed_copies(run)
    remaining = run.copies - distributed
    if copies > remaining:
        raise ServiceError(
            OutreachError.OVER_PRINTED,
            "copies",
            _(
                "Only {remaining} copies of this print run are left to hand out ({printed} printed, {distributed} "
                "already distributed)."
            ),
            remaining=remaining,
            printed=run.copies,
            distributed=distributed,
        )
    distribution = Distribution(
        run=run,
        copies=copies,
        place=place,
        place_detail=detail_text,
        region=region,
        event=event,
        distributed_on=distributed_on,
        staff=staff_text,
        recorded_by=actor,
        recorded_at=at,
    )
    distribution.save()
    audit_record(
        actor=actor,
        action="leaflet_distribution.record",
        obj=distribution,
        after={**snapshot(distribution), "remaining": remaining - copies},
        at=at,
    )
    return distribution


def _event_distribution_problems(event: Event, *, place: str, region: Region, day: dt.date) -> list[ServiceError]:
    problems = []
    if place != DistributionPlace.EVENT:
        problems.append(
            ServiceError(
                OutreachError.EVENT_MISMATCH,
                "place",
                _("Copies handed out at an event have the place “On-site event”."),
            )
        )
    if event.status == EventStatus.CANCELLED:
        problems.append(ServiceError(OutreachError.EVENT_MISMATCH, "event", _("That event was cancelled.")))
    if event.region_id != region.pk:
        problems.append(
            ServiceError(
                OutreachError.EVENT_MISMATCH,
                "region",
                _("The event took place in {region}: record the distribution there."),
                region=event.region.name,
            )
        )
    first, last = _local_date(event.starts_at), _local_date(event.ends_at)
    if not first <= day <= last:
        problems.append(
            ServiceError(
                OutreachError.EVENT_MISMATCH,
                "distributed_on",
                _("The event ran from {first} to {last}: the distribution date must lie within it."),
                first=first.isoformat(),
                last=last.isoformat(),
            )
        )
    return problems


# --- events -----------------------------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    kind: str,
    title: str,
    region: Region,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    actor: Any,
    at: dt.datetime,
    description: str = "",
    documents: Iterable[PolicyDocument] = (),
) -> Event:
    """A planned on-site event (publicity day, supplier meetup, trading-hall policy desk…) in the editor's region."""
    _require(actor, P.PUBLICITY_EDIT)
    _require_region(actor, region)
    title_text, title_problem = _text(title, field="title", label=_("title"), max_length=120)
    place_text, place_problem = _text(place, field="place", label=_("place"), max_length=200)
    description_text, description_problem = _text(
        description, field="description", label=_("description"), max_length=MAX_DESCRIPTION, required=False
    )
    errors = [
        e
        for e in (
            _choice(kind, EventKind, field="kind", label=_("type")),
            title_problem,
            place_problem,
            description_problem,
        )
        if e
    ]
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at) or ends_at <= starts_at:
        errors.append(ServiceError(OutreachError.EVENT_TIMES, "ends_at", _("The event must end after it starts.")))
    raise_if_any(errors)
    event = Event(
        kind=kind,
        title=title_text,
        region=region,
        place=place_text,
        starts_at=starts_at,
        ends_at=ends_at,
        description=description_text,
        created_by=actor,
        created_at=at,
    )
    event.save()
    document_ids = sorted({d.pk for d in documents})
    event.documents.set(document_ids)
    audit_record(
        actor=actor,
        action="publicity_event.create",
        obj=event,
        after={**snapshot(event), "documents": document_ids},
        at=at,
    )
    return event


@transaction.atomic
def event_status_set(*, event: Event, status: str, actor: Any, at: dt.datetime) -> Event:
    """Planned → held (once it has started) or cancelled; both are final."""
    _require(actor, P.PUBLICITY_EDIT)
    event = Event.objects.select_for_update().get(pk=event.pk)
    _require_region(actor, event.region_id)
    check_transition(EVENT_TRANSITIONS, event.status, status, labels=EventStatus)
    if status == EventStatus.HELD and at < event.starts_at:
        raise ServiceError(
            OutreachError.EVENT_NOT_STARTED,
            "status",
            _("The event starts at {start}: it can be marked held once it has started."),
            start=timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M"),
        )
    before = snapshot(event, ["status"])
    event.status = status
    event.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="publicity_event.status",
        obj=event,
        before=before,
        after=snapshot(event, ["status"]),
        at=at,
    )
    return event


@transaction.atomic
def event_attendance_record(
    *, event: Event, counts: Mapping[str, int], actor: Any, at: dt.datetime
) -> list[EventAttendance]:
    """People per audience at a held event, from the sign-in sheet. Recording again corrects the figures
    (the audit event keeps the previous ones)."""
    _require(actor, P.PUBLICITY_EDIT)
    event = Event.objects.select_for_update().get(pk=event.pk)
    _require_region(actor, event.region_id)
    if event.status != EventStatus.HELD:
        raise ServiceError(
            OutreachError.EVENT_NOT_HELD,
            "status",
            _("Attendance is recorded only for events that were held; this event is {status}."),
            status=EventStatus(event.status).label,
        )
    labels = dict(Audience.choices)
    errors: list[ServiceError] = []
    for audience, count in counts.items():
        if audience not in labels:
            problem = _choice(audience, Audience, field="audience", label=_("audience"))
        else:
            problem = _count(count, field=audience, label=labels[audience], minimum=0, maximum=MAX_PEOPLE)
        if problem is not None:
            errors.append(problem)
    existing = {row.audience: row for row in EventAttendance.objects.filter(event=event)}
    if not errors and not any(counts.values()) and not existing:
        errors.append(
            ServiceError(OutreachError.REQUIRED, None, _("Enter the number of people for at least one audience."))
        )
    raise_if_any(errors)
    before = {a: row.count for a, row in existing.items()}
    for audience, count in counts.items():
        row = existing.get(audience)
        if row is None and count == 0:
            continue
        if row is None:
            existing[audience] = EventAttendance.objects.create(
                event=event, audience=audience, count=count, recorded_by=actor, recorded_at=at
            )
        elif row.count != count:
            row.count, row.recorded_by, row.recorded_at = count, actor, at
            row.save(update_fields=["count", "recorded_by", "recorded_at"])
    after = {a: row.count for a, row in existing.items()}
    audit_record(
        actor=actor,
        action="publicity_event.attendance",
        obj=event,
        before={"attendance": before},
        after={"attendance": after},
        at=at,
    )
    return sorted(existing.values(), key=lambda row: list(labels).index(row.audience))


# --- reads (selectors) ------------------------------------------------------------------------------------


def view_scope(*, user: Any) -> Scope:
    return user_scope(user=user, perm=P.PUBLICITY_VIEW)


def edit_regions(*, user: Any) -> QuerySet[Region]:
    """The regions an editor may record print runs, distributions and events for."""
    return regions_in_scope(user_scope(user=user, perm=P.PUBLICITY_EDIT))


def _in_view_scope(qs: QuerySet[Any], *, user: Any, region_field: str) -> QuerySet[Any]:
    scope = view_scope(user=user)
    if scope.everything:
        return qs
    return qs.filter(**{f"{region_field}__in": scope.region_ids})


def leaflet_item_get(*, user: Any, pk: int) -> Content:
    """A policy interpretation whose leaflets the user may see: published ones (public text) or any in scope."""
    qs = Content.objects.select_related("owner", "region", "live_revision").filter(kind=ContentKind.INTERPRETATION)
    scope = view_scope(user=user)
    if not scope.everything:
        qs = qs.filter(Q(live_revision__isnull=False) | Q(region__in=scope.region_ids))
    return qs.get(pk=pk)


def _runs(user: Any) -> QuerySet[PrintRun]:
    """Print runs in the user's scope, each with the copies distributed so far (``distributed``)."""
    runs = (
        PrintRun.objects.select_related("region")
        .annotate(distributed=Coalesce(Sum("distributions__copies"), 0))
        .annotate(remaining=F("copies") - F("distributed"))
    )
    return _in_view_scope(runs, user=user, region_field="region")


def _runs_prefetch(user: Any) -> Prefetch:
    return Prefetch("runs", queryset=_runs(user))


def print_runs_of(*, user: Any, leaflet: Leaflet) -> QuerySet[PrintRun]:
    return _runs(user).filter(leaflet=leaflet).select_related("recorded_by")


def leaflets_of(*, user: Any, content: Content) -> QuerySet[Leaflet]:
    return (
        Leaflet.objects.filter(content=content)
        .select_related("revision", "generated_by")
        .prefetch_related(_runs_prefetch(user))
        .order_by("-generated_at", "-id")
    )


def run_totals(leaflet: Leaflet) -> tuple[int, int]:
    """Copies printed and distributed over a leaflet's print runs as prefetched (``leaflet_list``, ``leaflets_of``)."""
    runs: list[Any] = list(leaflet.runs.all())
    return sum(r.copies for r in runs), sum(r.distributed for r in runs)


def leaflet_list(*, user: Any) -> QuerySet[Leaflet]:
    """Every leaflet of an item the user may see, newest first, with the print runs in scope."""
    scope = view_scope(user=user)
    qs = Leaflet.objects.select_related("content", "revision")
    if not scope.everything:
        qs = qs.filter(Q(content__live_revision__isnull=False) | Q(content__region__in=scope.region_ids))
    return qs.prefetch_related(_runs_prefetch(user)).order_by("-generated_at", "-id")


def leaflet_get(*, user: Any, pk: int) -> Leaflet:
    leaflet = Leaflet.objects.select_related("content", "revision", "generated_by").get(pk=pk)
    leaflet_item_get(user=user, pk=leaflet.content_id)  # visibility follows the item
    return leaflet


def print_run_get(*, user: Any, pk: int) -> PrintRun:
    return _runs(user).select_related("leaflet__content", "leaflet__revision", "recorded_by").get(pk=pk)


def distributions_of(*, run: PrintRun) -> QuerySet[Distribution]:
    return Distribution.objects.filter(run=run).select_related("region", "event", "recorded_by")


def event_list(
    *, user: Any, year: int | None = None, status: str = "", region: Region | None = None
) -> QuerySet[Event]:
    people = EventAttendance.objects.filter(event=OuterRef("pk")).values("event").annotate(n=Sum("count")).values("n")
    copies = Distribution.objects.filter(event=OuterRef("pk")).values("event").annotate(n=Sum("copies")).values("n")
    qs = Event.objects.select_related("region").annotate(
        people=Coalesce(Subquery(people), 0), handed_out=Coalesce(Subquery(copies), 0)
    )
    qs = _in_view_scope(qs, user=user, region_field="region")
    if year is not None:
        qs = qs.filter(starts_at__year=year)
    if status:
        qs = qs.filter(status=status)
    if region is not None:
        qs = qs.filter(region=region)
    return qs.order_by("-starts_at", "-id")


def event_get(*, user: Any, pk: int) -> Event:
    qs = Event.objects.select_related("region", "created_by").prefetch_related("documents")
    return _in_view_scope(qs, user=user, region_field="region").get(pk=pk)


def event_attendance(*, event: Event) -> list[tuple[str, str, int | None]]:
    """(audience, label, people or None when not recorded) for every audience, in the choices' order."""
    counts = dict(EventAttendance.objects.filter(event=event).values_list("audience", "count"))
    return [(value, str(label), counts.get(value)) for value, label in Audience.choices]


def event_distributions(*, event: Event) -> QuerySet[Distribution]:
    return Distribution.objects.filter(event=event).select_related("run__leaflet__content", "region")


def events_for_distribution(*, user: Any) -> QuerySet[Event]:
    """Events a distribution may name: not cancelled, in the editor's regions."""
    scope = user_scope(user=user, perm=P.PUBLICITY_EDIT)
    qs = Event.objects.exclude(status=EventStatus.CANCELLED).select_related("region")
    if not scope.everything:
        qs = qs.filter(region__in=scope.region_ids)
    return qs.order_by("-starts_at")
