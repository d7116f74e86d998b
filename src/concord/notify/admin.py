from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from concord.notify.models import Delivery, Notification, NotificationPreference
from concord.notify.services import delivery_retry


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = [
        "channel",
        "address",
        "state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "level", "urgent", "read_at"]
    list_filter = ["kind", "urgent", "level"]
    search_fields = ["subject", "recipient__username", "recipient__display_name", "dedupe_key"]
    date_hierarchy = "created_at"
    raw_id_fields = ["recipient", "dispute", "task"]
    readonly_fields = ["dedupe_key", "created_at", "data"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "notification",
        "channel",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["notification__subject", "notification__recipient__username"]
    raw_id_fields = ["notification"]
    readonly_fields = ["last_error"]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed deliveries again"))
    def send_again(self, request, queryset):
        failed = list(queryset.filter(state__in=[Delivery.State.FAILED, Delivery.State.GAVE_UP]))
        for delivery in failed:
            delivery_retry(actor=request.user, delivery=delivery)
        self.message_user(
            request,
            _("%(n)s deliveries will be sent again.") % {"n": len(failed)},
            messages.SUCCESS,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "sms", "quiet_start", "quiet_end"]
    raw_id_fields = ["user"]
