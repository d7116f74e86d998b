from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from concord.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "scope_unit", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "phone"]
    raw_id_fields = ["scope_unit"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Concord"), {"fields": ["display_name", "role", "scope_unit", "phone"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Concord"), {"fields": ["display_name", "role", "scope_unit", "phone"]}),
    ]
