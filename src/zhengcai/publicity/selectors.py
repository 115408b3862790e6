"""Reads: the back office's work lists (scoped like every other app), one item with its revisions,
comments and history, the public portal (live revisions only) and the open letter to suppliers."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zhengcai.accounts.selectors import Scope, regions_in_scope, user_memberships, user_scope
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import P, Role
from zhengcai.organizations.models import Organization, Region
from zhengcai.policies.models import PolicyDocument
from zhengcai.procurement.search import terms

from .models import (
    Content,
    ContentKind,
    ContentRevision,
    ContentStatus,
    LetterAcknowledgement,
    ReviewComment,
)

S = ContentStatus


def _scoped(qs: QuerySet[Content], scope: Scope) -> QuerySet[Content]:
    return scope.filter(qs, region_field="region", organization_field="owner")


def content_visible(*, user: Any) -> QuerySet[Content]:
    """Every item the user's publicity roles reach (404 for the others)."""
    return _scoped(Content.objects.all(), user_scope(user=user, perm=P.PUBLICITY_VIEW))


def content_for_office(*, user: Any, pk: int) -> Content:
    """One item in scope, with what its page shows; raises Content.DoesNotExist out of scope."""
    return (
        content_visible(user=user)
        .select_related(
            "region",
            "owner",
            "created_by",
            "latest_revision",
            "latest_revision__created_by",
            "live_revision",
        )
        .prefetch_related("documents")
        .get(pk=pk)
    )


# --- work lists -----------------------------------------------------------------------------------

TABS = ("mine", "review", "approval", "scheduled", "published", "all")


@dataclass(frozen=True)
class WorkCounts:
    mine: int = 0
    review: int = 0
    approval: int = 0
    scheduled: int = 0
    published: int = 0
    all: int = 0

    @property
    def waiting(self) -> int:
        """What waits for this user's own action."""
        return self.mine + self.review + self.approval


def _can(user: Any, perm: P) -> bool:
    return not user_scope(user=user, perm=perm).empty


def _tab_conditions(user: Any) -> dict[str, Q]:
    """The condition of each tab. ``review``/``approval`` hold only what this user may act on (their
    own drafts excluded: nobody passes or approves what they wrote)."""
    conditions = {
        "mine": Q(status=S.DRAFT) & (Q(created_by=user) | Q(latest_revision__created_by=user)),
        "scheduled": Q(status=S.SCHEDULED),
        "published": Q(live_revision__isnull=False),
        "all": Q(),
    }
    own = Q(created_by=user) | Q(latest_revision__created_by=user)
    never = Q(pk__in=[])
    review_scope = user_scope(user=user, perm=P.PUBLICITY_REVIEW)
    approve_scope = user_scope(user=user, perm=P.PUBLICITY_APPROVE)
    conditions["review"] = (
        Q(status=S.IN_REVIEW, pk__in=_scoped(Content.objects.all(), review_scope).values("pk")) & ~own
        if not review_scope.empty
        else never
    )
    conditions["approval"] = (
        Q(status=S.IN_APPROVAL, pk__in=_scoped(Content.objects.all(), approve_scope).values("pk")) & ~own
        if not approve_scope.empty
        else never
    )
    if review_scope.everything:
        conditions["review"] = Q(status=S.IN_REVIEW) & ~own
    if approve_scope.everything:
        conditions["approval"] = Q(status=S.IN_APPROVAL) & ~own
    return conditions


def work_counts(*, user: Any) -> WorkCounts:
    """The number of items behind each tab, in one query."""
    conditions = _tab_conditions(user)
    totals = content_visible(user=user).aggregate(**{tab: Count("pk", filter=q) for tab, q in conditions.items()})
    return WorkCounts(**{tab: totals[tab] or 0 for tab in TABS})


def default_tab(*, user: Any) -> str:
    """Where each role starts: leaders on approvals, the publicity team on reviews, editors on their drafts."""
    roles = {m.role for m in user_memberships(user=user)}
    if Role.BUREAU_LEADER in roles:
        return "approval"
    if Role.PUBLICITY_REVIEWER in roles:
        return "review"
    if Role.PUBLICITY_EDITOR in roles:
        return "mine"
    return "all"


def content_work_list(
    *, user: Any, tab: str = "all", kind: str = "", region: int | None = None, status: str = "", q: str = ""
) -> QuerySet[Content]:
    conditions = _tab_conditions(user)
    qs = (
        content_visible(user=user)
        .filter(conditions.get(tab, Q()))
        .select_related("region", "owner", "latest_revision", "latest_revision__created_by", "live_revision")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region_id=region)
    if status:
        qs = qs.filter(status=status)
    for term in dict.fromkeys(terms(q)):
        qs = qs.filter(Q(title__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term))
    if tab == "scheduled":
        return qs.order_by("publish_at", "id")
    if tab == "published":
        return qs.order_by("-published_at", "-id")
    return qs.order_by("-updated_at", "-id")


def office_regions(*, user: Any) -> QuerySet[Region]:
    return regions_in_scope(user_scope(user=user, perm=P.PUBLICITY_VIEW)).order_by("sort", "code")


def document_choices() -> QuerySet[PolicyDocument]:
    return PolicyDocument.objects.order_by("-issued_on", "-id")


# --- one item -------------------------------------------------------------------------------------


def content_revisions(*, content: Content) -> QuerySet[ContentRevision]:
    return (
        ContentRevision.objects.filter(content=content)
        .select_related("created_by", "restored_from")
        .order_by("-number")
    )


def latest_revision_number(*, content: Content) -> int:
    latest = ContentRevision.objects.filter(content=content).order_by("-number").values_list("number", flat=True)
    return latest.first() or 0


def content_revision_get(*, content: Content, number: int) -> ContentRevision:
    return ContentRevision.objects.select_related("created_by").get(content=content, number=number)


def content_comments(*, content: Content) -> QuerySet[ReviewComment]:
    return (
        ReviewComment.objects.filter(content=content)
        .select_related("author", "revision")
        .order_by("-created_at", "-id")
    )


def content_timeline(*, content: Content) -> QuerySet[AuditEvent]:
    """Who did what to the item, from the audit log."""
    return AuditEvent.objects.filter(object_type=Content._meta.label_lower, object_id=str(content.pk)).order_by("-seq")


def revision_documents(*, revision: ContentRevision) -> list[PolicyDocument]:
    return list(PolicyDocument.objects.filter(pk__in=revision.document_ids).order_by("-issued_on", "-id"))


# --- revision diffs -------------------------------------------------------------------------------

CHAR_DIFF_LIMIT = 4_000  # a changed block longer than this is shown as removed + added, not per character


def _chars(a: str, b: str) -> str:
    if len(a) + len(b) > CHAR_DIFF_LIMIT:
        return (f"<del>{escape(a)}</del>" if a else "") + (f"<ins>{escape(b)}</ins>" if b else "")
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(a[i1:i2]))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(a[i1:i2])}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(b[j1:j2])}</ins>")
    return "".join(out)


def text_diff(a: str, b: str) -> SafeString:
    """HTML of ``b`` against ``a``: unchanged lines as they are, changed lines marked per character
    (Chinese has no words to split on) with <del>/<ins>."""
    lines_a, lines_b = a.splitlines(keepends=True), b.splitlines(keepends=True)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False).get_opcodes():
        old, new = "".join(lines_a[i1:i2]), "".join(lines_b[j1:j2])
        out.append(escape(old) if op == "equal" else _chars(old, new))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


@dataclass(frozen=True)
class FieldDiff:
    name: str
    changed: bool
    html: SafeString


def revision_diff(old: ContentRevision | None, new: ContentRevision) -> list[FieldDiff]:
    fields = ("title", "summary", "body")
    diffs = []
    for name in fields:
        a = getattr(old, name) if old is not None else ""
        b = getattr(new, name)
        diffs.append(FieldDiff(name, a != b, text_diff(a, b)))
    return diffs


# --- the portal -----------------------------------------------------------------------------------


def content_public_list(*, kind: str = "", region: int | None = None, q: str = "") -> QuerySet[Content]:
    """Items with a live revision, newest first; the search reads the live text (title, summary, body)
    by the same Chinese bigrams as the notice search."""
    qs = Content.objects.filter(live_revision__isnull=False).select_related("region", "owner", "live_revision")
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(Q(region_id=region) | Q(region__parent_id=region))
    for term in dict.fromkeys(terms(q)):
        qs = qs.filter(
            Q(live_revision__title__icontains=term)
            | Q(live_revision__summary__icontains=term)
            | Q(live_revision__body__icontains=term)
        )
    return qs.order_by("-published_at", "-id")


def content_public_get(*, pk: int) -> Content:
    """A published item (its live revision); raises Content.DoesNotExist for drafts and withdrawn items."""
    return (
        Content.objects.filter(live_revision__isnull=False)
        .select_related("region", "owner", "live_revision")
        .get(pk=pk)
    )


def public_regions() -> QuerySet[Region]:
    return Region.objects.order_by("sort", "code")


# --- the open letter ------------------------------------------------------------------------------


def open_letters_live() -> QuerySet[Content]:
    return (
        Content.objects.filter(kind=ContentKind.OPEN_LETTER, live_revision__isnull=False)
        .select_related("region", "owner", "live_revision")
        .order_by("-published_at", "-id")
    )


def open_letter_current(*, region: Region | None = None) -> Content | None:
    """The newest published letter for a region: the city's, or the supplier's own county's when that
    is newer. Without a region: the city-wide letter."""
    qs = open_letters_live()
    if region is None:
        return qs.filter(region__parent__isnull=True).first()
    return qs.filter(Q(region=region) | Q(region_id=region.parent_id)).first()


def supplier_of(*, user: Any) -> Organization | None:
    """The supplier the user acts for (through a supplier staff membership)."""
    for m in user_memberships(user=user):
        if m.role == Role.SUPPLIER_STAFF:
            return m.organization
    return None


def letter_acknowledgement(*, content: Content, supplier: Organization) -> LetterAcknowledgement | None:
    return LetterAcknowledgement.objects.filter(content=content, supplier=supplier).select_related("user").first()


def letter_pending(*, user: Any) -> Content | None:
    """The letter the user's supplier has not acknowledged yet (for the back-office home), or None."""
    supplier = supplier_of(user=user)
    if supplier is None:
        return None
    letter = open_letter_current(region=supplier.region)
    if letter is None or LetterAcknowledgement.objects.filter(content=letter, supplier=supplier).exists():
        return None
    return letter


def letter_acknowledgement_count(*, content: Content) -> int:
    return LetterAcknowledgement.objects.filter(content=content).count()
