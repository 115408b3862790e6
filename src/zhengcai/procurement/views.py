from __future__ import annotations

import base64

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhengcai.core import clock
from zhengcai.core.pagination import CappedPaginator
from zhengcai.core.permissions import P, permission

from .forms import NoticeFilterForm
from .models import Notice, Project, TenderDocument
from .selectors import (
    bids_for_supplier,
    document_public_get,
    notice_get,
    notice_list,
    open_tenders,
    project_documents,
    project_notices,
    project_opening_record,
    project_public_get,
    projects_for_manager,
)


@permission(P.PUBLIC)
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET or None)
    page = CappedPaginator(notice_list(**form.filters()), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "procurement/_notice_results.html" if request.htmx else "procurement/notices.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


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
