"""Admin screens for the tree and the assignments; every save goes through the services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from concord.territory import services
from concord.territory.models import Responsibility, Unit


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "boundary", "is_active"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            try:
                services._check_placement(kind=cleaned.get("kind"), parent=cleaned.get("parent"))
            except ValidationError as exc:
                raise ValidationError(exc.message_dict) from exc
        return cleaned


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = UnitAdminForm
    list_display = ["code", "name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    ordering = ["path"]

    def get_readonly_fields(self, request, obj=None):
        # Code and kind are stable once created; moving a unit is a service of its own.
        return ["code", "kind", "parent", "path"] if obj else ["path"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.unit_update(
                actor=request.user,
                unit=obj,
                name=data["name"],
                boundary=data.get("boundary"),
                clear_boundary=not data.get("boundary"),
                is_active=data["is_active"],
            )
        else:
            saved = services.unit_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=data.get("parent"),
                boundary=data.get("boundary"),
            )
        obj.pk, obj.path = saved.pk, saved.path

    def has_delete_permission(self, request, obj=None):
        return False


class ResponsibilityAdminForm(forms.ModelForm):
    class Meta:
        model = Responsibility
        fields = ["user", "unit", "since", "until"]


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):
    form = ResponsibilityAdminForm
    list_display = ["unit", "tier", "user", "since", "until"]
    list_filter = ["tier"]
    search_fields = ["unit__name", "unit__code", "user__username", "user__display_name"]
    raw_id_fields = ["user", "unit"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "unit", "since", "tier"] if obj else ["tier"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                saved = services.responsibility_end(
                    actor=request.user, responsibility=obj, until=data["until"]
                )
            else:
                saved = services.responsibility_assign(
                    actor=request.user,
                    user=data["user"],
                    unit=data["unit"],
                    since=data["since"],
                    until=data.get("until"),
                )
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), level="error")
            raise
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False
