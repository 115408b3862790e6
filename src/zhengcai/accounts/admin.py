from django.contrib import admin

from zhengcai.core.admin_base import ReadOnlyAdmin

from .models import ApiToken, Membership, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "display_name", "email", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "display_name", "email"]
    exclude = ["password"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "organization", "role", "is_active"]
    list_filter = ["role", "is_active"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "user", "prefix", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["secret_hash"]
