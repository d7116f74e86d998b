from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from concord.accounts.models import ApiToken, User


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued here (the token is shown once) and revoked with the list action; never edited."""

    list_display = ["key_prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key_prefix", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["user", "name"] if obj is None else ["name", "user", *self.readonly_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from concord.accounts.tokens import api_token_issue

        token, plain = api_token_issue(actor=request.user, user=obj.user, name=obj.name)
        obj.pk, obj.key_prefix, obj.key_hash, obj.created_at = (
            token.pk,
            token.key_prefix,
            token.key_hash,
            token.created_at,
        )
        obj._state.adding = False
        self.message_user(
            request,
            _("Copy the token now, it is not shown again: %(token)s") % {"token": plain},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request, queryset):
        from concord.accounts.tokens import api_token_revoke

        for token in queryset:
            api_token_revoke(actor=request.user, token=token)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
