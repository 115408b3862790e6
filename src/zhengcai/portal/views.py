from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import Organization, OrganizationKind
from zhengcai.organizations.selectors import (
    organization_counts,
    organization_directory,
    organization_public_get,
    region_list_with_counts,
)
from zhengcai.organizations.services import SupplierRegistration, supplier_register

from .forms import DirectoryFilterForm, SupplierRegistrationForm


@permission(P.PUBLIC)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    regions = list(region_list_with_counts())
    counts = organization_counts()
    return render(
        request,
        "portal/home.html",
        {
            "city": next((r for r in regions if r.is_city), None),
            "counties": [r for r in regions if not r.is_city],
            "counts": counts,
            "kinds": [(k, label, counts.get(k, 0)) for k, label in OrganizationKind.choices],
        },
    )


@permission(P.PUBLIC)
@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html", {"counts": organization_counts()})


@permission(P.PUBLIC)
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = organization_directory(
        q=filters.get("q", ""),
        region=filters.get("region", ""),
        kind=filters.get("kind", ""),
        size=filters.get("size", ""),
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "portal/_directory_results.html" if request.htmx else "portal/directory.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@permission(P.PUBLIC)
@require_GET
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        org = organization_public_get(pk=pk)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "portal/organization_detail.html", {"org": org})


@permission(P.PUBLIC)
@require_http_methods(["GET", "POST"])
def supplier_register_view(request: HttpRequest) -> HttpResponse:
    form = SupplierRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = SupplierRegistration(
            name=d["name"],
            credit_code=d["credit_code"],
            region=d["region"],
            size=d["size"],
            business_scope=d["business_scope"],
            address=d["address"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            contact_email=d["contact_email"],
            username=d["username"],
            password=d["password"],
        )
        try:
            supplier_register(data=data, at=clock.now())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Registration received. The finance bureau will review it; log in to follow its status."),
            )
            return redirect(settings.LOGIN_URL)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/register.html", {"form": form}, status=status)
