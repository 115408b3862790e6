from django.contrib import admin

from .admin_base import ReadOnlyAdmin
from .models import AuditEvent, CalendarDay, CalendarYear, Notification


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_id", "action"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "subject", "state", "attempts"]
    list_filter = ["state"]


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "source", "loaded_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday"]
