"""Pages of the editorial workflow (back office) and of the public portal (live revisions only).

Thin: parse, call one service or selector, render. Action URLs take POST; a GET on them (a bookmark,
a reload after the action) goes back to the item page.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.accounts.selectors import current_membership
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, ServiceErrorGroup, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission, role_allows

from . import selectors, services
from .forms import ApproveForm, CommentForm, ContentForm, PublicFilterForm, ReasonForm, RestoreForm, WorkFilterForm
from .models import Channel, Content, ContentKind, ContentRevision, ContentStatus, ReviewStage

PAGE_SIZE = 25


def _item(request: HttpRequest, pk: int) -> Content:
    try:
        return selectors.content_for_office(user=request.user, pk=pk)
    except Content.DoesNotExist as exc:
        raise Http404 from exc


def _errors(error: ServiceError) -> list[str]:
    errors = error.errors if isinstance(error, ServiceErrorGroup) else [error]
    return [bilingual(e) for e in errors]


# --- work list ------------------------------------------------------------------------------------


@permission(P.PUBLICITY_VIEW)
@require_GET
def office_list(request: HttpRequest) -> HttpResponse:
    """My drafts / to review / to approve / scheduled / published / all, with filters."""
    user = request.user
    tab = request.GET.get("tab") or selectors.default_tab(user=user)
    if tab not in selectors.TABS:
        tab = "all"
    regions = list(selectors.office_regions(user=user))
    form = WorkFilterForm(request.GET or None, regions=regions)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    page = Paginator(selectors.content_work_list(user=user, tab=tab, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "tab": tab,
        "tabs": _tabs(user),
        "counts": selectors.work_counts(user=user),
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_edit": not _scope_empty(user, P.PUBLICITY_EDIT),
        "filtered": bool(filters),
    }
    return render(request, "publicity/content_list.html", context)


def _scope_empty(user: Any, perm: P) -> bool:
    from zhengcai.accounts.selectors import user_scope

    return user_scope(user=user, perm=perm).empty


def _tabs(user: Any) -> list[tuple[str, str]]:
    tabs = []
    if not _scope_empty(user, P.PUBLICITY_EDIT):
        tabs.append(("mine", _("My drafts")))
    if not _scope_empty(user, P.PUBLICITY_REVIEW):
        tabs.append(("review", _("To review")))
    if not _scope_empty(user, P.PUBLICITY_APPROVE):
        tabs.append(("approval", _("To approve")))
    tabs += [("scheduled", _("Scheduled")), ("published", _("Published")), ("all", _("All items"))]
    return tabs


# --- create and edit ------------------------------------------------------------------------------


def _owner(request: HttpRequest) -> Any:
    membership = current_membership(request=request)
    if membership is not None and role_allows(membership.role, P.PUBLICITY_EDIT):
        return membership.organization
    organizations = services.editor_organizations(user=request.user)
    if not organizations:
        raise PermissionDenied
    return organizations[0]


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def office_new(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    form = ContentForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        try:
            content = services.content_create(
                kind=form.cleaned_data["kind"],
                owner=owner,
                data=form.content_input(),
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Draft saved as revision 1. Submit it for review when it is ready."))
            return redirect("publicity:office_item", pk=content.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "publicity/content_form.html", {"form": form, "owner": owner, "content": None}, status=status
    )


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def office_edit(request: HttpRequest, pk: int) -> HttpResponse:
    content = _item(request, pk)
    if not services.reaches(request.user, P.PUBLICITY_EDIT, content):
        raise Http404
    latest = content.latest_revision
    initial = {
        "title": content.title,
        "summary": content.summary,
        "body": content.body,
        "documents": list(content.documents.all()),
        "channels": list(content.channels),
        "base_revision": latest.number if latest else None,
    }
    form = ContentForm(request.POST or None, request.FILES or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.content_update(
                content=content,
                data=form.content_input(),
                base_revision=form.cleaned_data.get("base_revision"),
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
            if exc.code == "publicity.content.stale":  # the next save is made knowingly over the newer one
                data = request.POST.copy()
                data["base_revision"] = str(selectors.latest_revision_number(content=content))
                form.data = data
        else:
            content.refresh_from_db()
            number = content.latest_revision.number if content.latest_revision else 0
            messages.success(request, _("Saved as revision {number}.").format(number=number))
            return redirect("publicity:office_item", pk=content.pk)
    context = {"form": form, "content": content, "owner": content.owner}
    return render(request, "publicity/content_form.html", context, status=400 if form.is_bound else 200)


# --- one item -------------------------------------------------------------------------------------


def _actions(user: Any, content: Content) -> dict[str, bool]:
    status = content.status
    latest = content.latest_revision
    own = user.pk in {content.created_by_id, latest.created_by_id if latest else None}
    edit = services.reaches(user, P.PUBLICITY_EDIT, content)
    review = services.reaches(user, P.PUBLICITY_REVIEW, content)
    approve = services.reaches(user, P.PUBLICITY_APPROVE, content)
    return {
        "edit": edit,
        "submit": edit and status == ContentStatus.DRAFT,
        "review": review and status == ContentStatus.IN_REVIEW,
        "review_pass": review and status == ContentStatus.IN_REVIEW and not own,
        "approve": approve and status in {ContentStatus.IN_APPROVAL, ContentStatus.SCHEDULED},
        "approve_pass": approve and status == ContentStatus.IN_APPROVAL and not own,
        "withdraw": approve and content.live_revision_id is not None,
        "own": own,
    }


def _item_page(request: HttpRequest, content: Content, *, status: int = 200, **forms: Any) -> HttpResponse:
    actions = _actions(request.user, content)
    problems: list[str] = []
    if content.status in {ContentStatus.DRAFT, ContentStatus.IN_APPROVAL} and (
        actions["submit"] or actions["approve_pass"]
    ):
        problems = [bilingual(e) for e in services.readiness_problems(content)]
    context = {
        "content": content,
        "latest": content.latest_revision,
        "live": content.live_revision,
        "documents": list(content.documents.all()),
        "channel_labels": [Channel(c).label for c in content.channels if c in Channel.values],
        "comments": list(selectors.content_comments(content=content)),
        "timeline": list(selectors.content_timeline(content=content)[:30]),
        "actions": actions,
        "problems": problems,
        "review_form": forms.get("review_form") or CommentForm(prefix="review"),
        "approve_form": forms.get("approve_form") or ApproveForm(prefix="approve"),
        "withdraw_form": forms.get("withdraw_form") or ReasonForm(prefix="withdraw"),
        "action_errors": forms.get("action_errors") or [],
        "ack_count": (
            selectors.letter_acknowledgement_count(content=content)
            if content.kind == ContentKind.OPEN_LETTER
            else None
        ),
    }
    return render(request, "publicity/content_item.html", context, status=status)


@permission(P.PUBLICITY_VIEW)
@require_GET
def office_item(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_page(request, _item(request, pk))


def _done(request: HttpRequest, content: Content, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("publicity:office_item", pk=content.pk)


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def office_submit(request: HttpRequest, pk: int) -> HttpResponse:
    content = _item(request, pk)
    if request.method != "POST":
        return redirect("publicity:office_item", pk=content.pk)
    try:
        services.content_submit(content=content, actor=request.user, at=clock.now())
    except ServiceError as exc:
        return _item_page(request, _item(request, pk), status=400, action_errors=_errors(exc))
    return _done(request, content, _("Submitted: the publicity team has been notified."))


@permission(P.PUBLICITY_REVIEW)
@require_http_methods(["GET", "POST"])
def office_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The publicity team: pass to the leaders, return to the editor (comment required), or comment."""
    content = _item(request, pk)
    if request.method != "POST":
        return redirect("publicity:office_item", pk=content.pk)
    form = CommentForm(request.POST, prefix="review")
    decision = request.POST.get("decision", "")
    form.is_valid()
    text = form.cleaned_data.get("comment", "")
    try:
        if decision == "pass":
            services.content_pass(content=content, comment=text, actor=request.user, at=clock.now())
            message = _("Passed to the leaders for approval.")
        elif decision == "return":
            services.content_return(
                content=content, stage=ReviewStage.REVIEW, comment=text, actor=request.user, at=clock.now()
            )
            message = _("Returned to the editor with your comment.")
        else:
            services.content_comment(
                content=content, stage=ReviewStage.REVIEW, text=text, actor=request.user, at=clock.now()
            )
            message = _("Comment added.")
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _item_page(request, _item(request, pk), status=400, review_form=form)
    return _done(request, content, message)


@permission(P.PUBLICITY_APPROVE)
@require_http_methods(["GET", "POST"])
def office_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader: approve with a publication time (empty: now), return with a comment, or comment."""
    content = _item(request, pk)
    if request.method != "POST":
        return redirect("publicity:office_item", pk=content.pk)
    form = ApproveForm(request.POST, prefix="approve")
    decision = request.POST.get("decision", "")
    if not form.is_valid():
        return _item_page(request, content, status=400, approve_form=form)
    text = form.cleaned_data.get("comment", "")
    now = clock.now()
    try:
        if decision == "approve":
            services.content_approve(content=content, publish_at=form.when(), comment=text, actor=request.user, at=now)
            content.refresh_from_db()
            message = (
                _("Approved and published.")
                if content.status == ContentStatus.PUBLISHED
                else _("Approved: it will be published at the time you set.")
            )
        elif decision == "return":
            services.content_return(
                content=content, stage=ReviewStage.APPROVAL, comment=text, actor=request.user, at=now
            )
            message = _("Returned to the editor with your comment.")
        else:
            services.content_comment(
                content=content, stage=ReviewStage.APPROVAL, text=text, actor=request.user, at=now
            )
            message = _("Comment added.")
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _item_page(request, _item(request, pk), status=400, approve_form=form)
    return _done(request, content, message)


@permission(P.PUBLICITY_APPROVE)
@require_http_methods(["GET", "POST"])
def office_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    content = _item(request, pk)
    if request.method != "POST":
        return redirect("publicity:office_item", pk=content.pk)
    form = ReasonForm(request.POST, prefix="withdraw")
    form.is_valid()
    try:
        services.content_withdraw(
            content=content, reason=form.cleaned_data.get("reason", ""), actor=request.user, at=clock.now()
        )
    except ServiceError as exc:
        form.errors.pop("reason", None)
        apply_service_error(form, exc)
        return _item_page(request, _item(request, pk), status=400, withdraw_form=form)
    return _done(request, content, _("Withdrawn: the portal no longer shows this item."))


# --- revisions ------------------------------------------------------------------------------------


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@permission(P.PUBLICITY_VIEW)
@require_GET
def office_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every revision with who, when and note; the difference between two of them (default: the latest
    against the one before); a restore button on each."""
    content = _item(request, pk)
    revisions = list(selectors.content_revisions(content=content))
    by_number = {r.number: r for r in revisions}
    new = by_number.get(_number(request.GET.get("b")) or 0) or (revisions[0] if revisions else None)
    old_number = _number(request.GET.get("a"))
    if old_number is None and new is not None:
        old_number = new.number - 1
    old = by_number.get(old_number or 0)
    context = {
        "content": content,
        "revisions": revisions,
        "old": old,
        "new": new,
        "diff": selectors.revision_diff(old, new) if new is not None else [],
        "can_edit": services.reaches(request.user, P.PUBLICITY_EDIT, content),
        "live_number": content.live_revision.number if content.live_revision else None,
    }
    return render(request, "publicity/content_history.html", context)


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def office_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    content = _item(request, pk)
    if request.method != "POST":
        return redirect("publicity:office_history", pk=content.pk)
    try:
        revision = selectors.content_revision_get(content=content, number=number)
    except ContentRevision.DoesNotExist as exc:
        raise Http404 from exc
    form = RestoreForm(request.POST)
    form.is_valid()
    try:
        services.content_rollback(
            content=content,
            revision=revision,
            note=form.cleaned_data.get("note", ""),
            actor=request.user,
            at=clock.now(),
        )
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
        return redirect("publicity:office_history", pk=content.pk)
    return _done(
        request,
        content,
        _("Revision {number} restored as a new draft revision; submit it for review to publish it again.").format(
            number=number
        ),
    )


def _serve(name: str | None, *, public: bool) -> FileResponse:
    if not name:
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # stored names are random and never reused: the file behind one never changes
    response["Cache-Control"] = "public, max-age=86400" if public else "private, max-age=3600"
    return response


@permission(P.PUBLICITY_VIEW)
@require_GET
def office_cover(request: HttpRequest, pk: int) -> FileResponse:
    """The cover of the working copy, or of one revision (``?revision=N``)."""
    content = _item(request, pk)
    number = _number(request.GET.get("revision"))
    if number is None:
        return _serve(content.cover.name, public=False)
    try:
        return _serve(selectors.content_revision_get(content=content, number=number).cover, public=False)
    except ContentRevision.DoesNotExist as exc:
        raise Http404 from exc


# --- the open letter in the back office -----------------------------------------------------------


@permission(P.OPEN_LETTER_ACK)
@require_http_methods(["GET", "POST"])
def letter_office(request: HttpRequest) -> HttpResponse:
    """The supplier reads the current open letter and acknowledges it (once)."""
    supplier = selectors.supplier_of(user=request.user)
    if supplier is None:
        raise PermissionDenied
    letter = selectors.open_letter_current(region=supplier.region)
    status = 200
    if request.method == "POST":
        if letter is None:
            return redirect("publicity:letter_office")
        try:
            services.letter_acknowledge(content=letter, supplier=supplier, actor=request.user, at=clock.now())
        except ServiceError as exc:
            messages.info(request, bilingual(exc))
        else:
            messages.success(request, _("Thank you: your company's acknowledgement is recorded."))
        return redirect("publicity:letter_office")
    context = {
        "supplier": supplier,
        "letter": letter,
        "revision": letter.live_revision if letter else None,
        "ack": selectors.letter_acknowledgement(content=letter, supplier=supplier) if letter else None,
        "documents": selectors.revision_documents(revision=letter.live_revision)
        if letter and letter.live_revision
        else [],
    }
    return render(request, "publicity/letter_office.html", context, status=status)


# --- the portal -----------------------------------------------------------------------------------


@permission(P.PUBLIC)
@require_GET
def portal_list(request: HttpRequest) -> HttpResponse:
    regions = list(selectors.public_regions())
    form = PublicFilterForm(request.GET or None, regions=regions)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    page = Paginator(selectors.content_public_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": bool(filters),
        "letter": selectors.open_letter_current(),
    }
    template = "publicity/_portal_results.html" if getattr(request, "htmx", False) else "publicity/portal_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # a fragment or the whole page at one URL
    return response


@permission(P.PUBLIC)
@require_GET
def portal_item(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        content = selectors.content_public_get(pk=pk)
    except Content.DoesNotExist as exc:
        raise Http404 from exc
    revision = content.live_revision
    if revision is None:  # the selector reads live items only
        raise Http404
    context = {
        "content": content,
        "revision": revision,
        "documents": selectors.revision_documents(revision=revision),
    }
    return render(request, "publicity/portal_item.html", context)


@permission(P.PUBLIC)
@require_GET
def portal_cover(request: HttpRequest, pk: int) -> FileResponse:
    try:
        content = selectors.content_public_get(pk=pk)
    except Content.DoesNotExist as exc:
        raise Http404 from exc
    return _serve(content.live_revision.cover if content.live_revision else "", public=True)


@permission(P.PUBLIC)
@require_GET
def portal_letter(request: HttpRequest) -> HttpResponse:
    letter = selectors.open_letter_current()
    others = [c for c in selectors.open_letters_live()[:11] if letter is None or c.pk != letter.pk][:10]
    context = {
        "letter": letter,
        "revision": letter.live_revision if letter else None,
        "documents": selectors.revision_documents(revision=letter.live_revision)
        if letter and letter.live_revision
        else [],
        "others": others,
    }
    return render(request, "publicity/portal_letter.html", context)
