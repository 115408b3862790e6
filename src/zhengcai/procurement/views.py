from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from zhengcai.core import clock
from zhengcai.core.permissions import P, permission

from .forms import NoticeFilterForm
from .models import Notice, NoticeKind, Project, TenderDocument
from .rules import Method
from .selectors import (
    bids_for_supplier,
    document_public_get,
    notice_get,
    notice_list_version,
    notice_page,
    open_tenders,
    project_documents,
    project_notices,
    project_opening_record,
    project_public_get,
    projects_for_manager,
)

# How long a rendered fragment of the notice list lives. Its key changes with every published notice
# (notice_list_version), so this only bounds what the key cannot see: a change of the region list,
# or an older id that another process commits after a newer one.
NOTICE_FRAGMENT_SECONDS = 60


@dataclass(frozen=True)
class NoticeRow:
    """A notice as one row of the list shows it."""

    notice: Notice
    url: str
    kind: str
    method: str
    published: str


_PK = 918273645  # a placeholder id for reversing a notice's URL once


def _notice_page(form: NoticeFilterForm, number: str | None, version: str) -> Page:
    """One page of the list, its rows prepared in Python: the type and method labels translated once
    per page (``get_FOO_display`` translates every choice of the field, for every row), the links from
    one reversed URL, the local time formatted without a template tag per row."""
    page = notice_page(number=number, version=version, **form.filters())
    kinds = {value: str(label) for value, label in NoticeKind.choices}
    methods = {value: str(label) for value, label in Method.choices}
    before, after = reverse("procurement:notice", args=[_PK]).split(str(_PK))  # one reverse() per page
    page.object_list = [
        NoticeRow(
            notice=n,
            url=f"{before}{n.pk}{after}",
            kind=kinds.get(n.kind, n.kind),
            method=methods.get(n.method, ""),
            published=f"{timezone.localtime(n.published_at):%Y-%m-%d %H:%M}",
        )
        for n in page.object_list
    ]
    return page


@permission(P.PUBLIC)
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """The page's content is a template fragment cached under the data version, the filters, the
    page and the language; so are the results alone (for htmx) and, inside the form, each field
    under its own value, so that a new combination of filters renders no select box again. The form
    and the queries run only when a fragment is missing, so they are handed to the templates
    unevaluated."""
    filters = QueryDict(mutable=True)
    for name in NoticeFilterForm.base_fields:
        if name in request.GET:
            filters.setlist(name, request.GET.getlist(name))
    page_number = request.GET.get("page")
    version = notice_list_version()
    form: Any = SimpleLazyObject(lambda: NoticeFilterForm(filters or None))
    context = {
        "form": form,
        "page": SimpleLazyObject(lambda: _notice_page(form, page_number, version)),
        "query": filters.urlencode(),
        "page_number": page_number,
        "version": version,
        "fragment_seconds": NOTICE_FRAGMENT_SECONDS,
    }
    template = "procurement/_notice_results.html" if request.htmx else "procurement/notices.html"  # type: ignore[attr-defined]
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # a fragment or the whole page at one URL
    return response


@permission(P.PUBLIC)
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice = notice_get(pk=pk)
    except Notice.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "procurement/notice_detail.html", {"notice": notice})


@permission(P.PUBLIC)
@require_GET
def project_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        project = project_public_get(number=number)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    context = {
        "project": project,
        "notices": project_notices(project=project),
        "opening": project_opening_record(project=project, at=clock.now()),
        "documents": project_documents(project=project),
        "tender": getattr(project, "tender", None),
    }
    return render(request, "procurement/project_detail.html", context)


@permission(P.PUBLIC)
@require_GET
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        document = document_public_get(pk=pk)
    except TenderDocument.DoesNotExist as exc:
        raise Http404 from exc
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name)
    response["Content-Type"] = document.content_type
    response["X-Checksum-SHA256"] = document.sha256
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(document.sha256)).decode()}:"
    return response


@permission(P.PROCUREMENT_MANAGE)
@require_GET
def my_projects(request: HttpRequest) -> HttpResponse:
    page = Paginator(projects_for_manager(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "procurement/my_projects.html", {"page": page})


@permission(P.BID_SUBMIT)
@require_GET
def my_bids(request: HttpRequest) -> HttpResponse:
    page = Paginator(bids_for_supplier(user=request.user), 25).get_page(request.GET.get("page"))
    tenders = open_tenders(at=clock.now())[:10]
    return render(request, "procurement/my_bids.html", {"page": page, "open_tenders": tenders})
