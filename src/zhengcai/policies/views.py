"""Pages of the policy library: the public list and document pages with attachment downloads, and the back
office (list, create/edit, status, attachments, categories, the export for the provincial site)."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.pagination import CappedPaginator
from zhengcai.core.permissions import P, permission

from . import selectors, services
from .export import build_export
from .forms import AttachmentForm, CategoryForm, DocumentForm, ExportForm, PolicyFilterForm, StatusForm
from .models import Category, PolicyAttachment, PolicyDocument
from .services import content_type_of

PAGE_SIZE = 20


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- public ----------------------------------------------------------------------------------------------


@permission(P.PUBLIC)
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    form = PolicyFilterForm(request.GET or None)
    tag = request.GET.get("tag", "").strip()
    filters = form.filters(tag=tag) if form.is_bound else selectors.DocumentFilters(tag=tag)
    page = CappedPaginator(selectors.document_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query(request), "tag": tag}
    template = "policies/_results.html" if request.htmx else "policies/list.html"  # type: ignore[attr-defined]
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # a fragment or the whole page at one URL
    return response


def interpretation_url(pk: int) -> str:
    """The publicity item's page (its URL name exists once the publicity app's portal pages do)."""
    try:
        return reverse("publicity:item", args=[pk])
    except NoReverseMatch:
        return f"/publicity/{pk}/"


@permission(P.PUBLIC)
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        document = selectors.document_get(id=pk)
    except PolicyDocument.DoesNotExist as exc:
        raise Http404 from exc
    interpretations = [
        (item, interpretation_url(item.pk)) for item in selectors.document_interpretations(document=document)
    ]
    context = {"document": document, "interpretations": interpretations}
    return render(request, "policies/detail.html", context)


@permission(P.PUBLIC)
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    try:
        attachment = selectors.attachment_get(document_id=pk, attachment_id=attachment_id)
    except PolicyAttachment.DoesNotExist as exc:
        raise Http404 from exc
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
    response["Content-Type"] = content_type_of(attachment.name)
    response["X-Checksum-SHA256"] = attachment.sha256
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(attachment.sha256)).decode()}:"
    return response


# --- back office -----------------------------------------------------------------------------------------


@permission(P.POLICY_MANAGE)
@require_GET
def office_list(request: HttpRequest) -> HttpResponse:
    form = PolicyFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else selectors.DocumentFilters()
    qs = selectors.documents_for_manager(user=request.user, filters=filters)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = selectors.manage_scope(user=request.user)
    context = {"form": form, "page": page, "query": _query(request), "city_staff": scope.everything}
    return render(request, "policies/office_list.html", context)


@permission(P.POLICY_MANAGE)
@require_http_methods(["GET", "POST"])
def office_new(request: HttpRequest) -> HttpResponse:
    scope = selectors.manage_scope(user=request.user)
    form = DocumentForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_create(data=form.to_input(), actor=request.user, at=clock.now())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The document is in the library."))
            return redirect("policies:office_manage", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "policies/office_form.html", {"form": form}, status=status)


@permission(P.POLICY_MANAGE)
@require_http_methods(["GET", "POST"])
def office_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """One document: edit its fields, change its status, attach files (one form per action)."""
    try:
        document = selectors.document_for_manager(user=request.user, id=pk)
    except PolicyDocument.DoesNotExist as exc:
        raise Http404 from exc
    scope = selectors.manage_scope(user=request.user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    edit_form = DocumentForm(
        request.POST if action == "edit" else None, scope=scope, initial=DocumentForm.initial_for(document)
    )
    status_form = StatusForm(request.POST if action == "status" else None, document=document)
    attachment_form = AttachmentForm(
        request.POST if action == "attachment" else None, request.FILES if action == "attachment" else None
    )
    if request.method == "POST":
        now = clock.now()
        form: Any = {"edit": edit_form, "status": status_form, "attachment": attachment_form}.get(action)
        if form is None:
            return HttpResponse(status=400)
        if form.is_valid():
            try:
                if action == "edit":
                    services.document_update(document=document, data=edit_form.to_input(), actor=request.user, at=now)
                elif action == "status":
                    d = status_form.cleaned_data
                    services.document_status_set(
                        document=document,
                        status=d["status"],
                        changed_on=d["status_changed_on"],
                        superseded_by=d["superseded_by"],
                        actor=request.user,
                        at=now,
                    )
                else:
                    upload = attachment_form.cleaned_data["file"]
                    services.attachment_add(
                        document=document,
                        stream=upload,
                        filename=upload.name,
                        name=attachment_form.cleaned_data["name"],
                        actor=request.user,
                        at=now,
                    )
            except ServiceError as exc:
                apply_service_error(form, exc)
                messages.error(request, bilingual(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("policies:office_manage", pk=document.pk)
    context = {
        "document": document,
        "edit_form": edit_form,
        "status_form": status_form,
        "attachment_form": attachment_form,
        "can_change_status": bool(document.status != "repealed"),
    }
    return render(request, "policies/office_manage.html", context, status=400 if request.method == "POST" else 200)


@permission(P.POLICY_MANAGE)
@require_GET
def office_export(request: HttpRequest) -> HttpResponseBase:
    """The form; with ``download=1`` the ZIP for the provincial site's upload (docs/policy-export.md)."""
    form = ExportForm(request.GET if "download" in request.GET else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = {"issued_from": d["issued_from"], "issued_until": d["issued_until"], "level": d["level"]}
        now = clock.now()
        try:
            archive, _manifest = build_export(
                documents=selectors.export_documents(**filters),
                filters=filters,
                base_url=request.build_absolute_uri("/"),
                generated_at=now,
            )
        except ServiceError as exc:
            messages.error(request, bilingual(exc))
        else:
            name = f"policies-{clock.today():%Y%m%d}.zip"
            return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
    status = 400 if form.is_bound else 200
    return render(request, "policies/office_export.html", {"form": form}, status=status)


@permission(P.POLICY_MANAGE)
@require_http_methods(["GET", "POST"])
def office_categories(request: HttpRequest) -> HttpResponse:
    """The categories of the whole library (changed by city-level staff)."""
    form = CategoryForm(request.POST if request.POST.get("action") == "create" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "update":
                category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
                edit = CategoryForm(request.POST)
                if category is None:
                    raise Http404
                if not edit.is_valid():
                    messages.error(request, _("Check the form: some fields are missing or invalid."))
                    raise _Invalid
                d = edit.cleaned_data
                services.category_update(category=category, actor=request.user, at=clock.now(), **d)
            elif form.is_valid():
                services.category_create(actor=request.user, at=clock.now(), **form.cleaned_data)
            else:
                raise _Invalid
        except ServiceError as exc:
            apply_service_error(form, exc)
            messages.error(request, bilingual(exc))
        except _Invalid:
            pass
        else:
            messages.success(request, _("Saved."))
            return redirect("policies:office_categories")
    context = {
        "categories": selectors.category_counts(),
        "form": form,
        "city_staff": selectors.manage_scope(user=request.user).everything,
    }
    return render(request, "policies/office_categories.html", context, status=400 if request.method == "POST" else 200)


class _Invalid(Exception):
    """A bound form failed its own validation; the page is shown again with its errors."""
