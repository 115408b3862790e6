from django.contrib import admin

from zhengcai.core.admin_base import ReadOnlyAdmin

from .models import Organization, Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "region", "credit_code", "size", "status"]
    list_filter = ["kind", "status", "size", "region"]
    search_fields = ["name", "credit_code"]
