from django import forms
from django.utils.translation import gettext_lazy as _

from concord.audit.selectors import AuditFilters


class AuditFilterForm(forms.Form):
    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": _("username")}),
    )
    case_number = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": _("case number")}),
    )
    person = forms.IntegerField(
        label=_("Person no."),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"placeholder": _("person no.")}),
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. people.view")}),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        d = self.cleaned_data
        return AuditFilters(
            user=(d["user"] or "").strip(),
            case_number=(d["case_number"] or "").strip(),
            person_id=d["person"],
            action=(d["action"] or "").strip(),
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
