from django import forms
from django.utils.translation import gettext_lazy as _

from concord.accounts.models import Role, User
from concord.disputes.models import Category, Channel, Level, Party, Status
from concord.disputes.selectors import DisputeFilters
from concord.mediation.models import FollowUpVisit, MediationBody, ReferralRoute
from concord.territory.models import Unit


class _Bootstrap:
    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            css = (
                "form-select"
                if isinstance(widget, forms.Select)
                else (
                    "form-check-input"
                    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple)
                    else "form-control"
                )
            )
            widget.attrs.setdefault("class", css)


class DisputeRegisterForm(_Bootstrap, forms.Form):
    category = forms.ModelChoiceField(
        Category.objects.filter(parent__isnull=True, is_active=True),
        label=_("Category"),
        empty_label=_("— choose —"),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 张庄村两户排水沟纠纷")}),
    )
    grid = forms.ModelChoiceField(Unit.objects.none(), label=_("Grid"), empty_label=None)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    channel = forms.ChoiceField(
        choices=Channel.choices, label=_("Found through"), initial=Channel.GRID_REPORT
    )
    level = forms.ChoiceField(
        choices=Level.choices, label=_("First impression of risk"), initial=Level.YELLOW
    )
    people_involved = forms.IntegerField(
        label=_("People involved"), min_value=1, max_value=100000, initial=2
    )
    amount_involved = forms.DecimalField(
        label=_("Amount involved (yuan)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    began_on = forms.DateField(
        label=_("Began on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    attachment = forms.FileField(
        label=_("Photo or document"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*,application/pdf", "capture": "environment"}
        ),
    )

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids if grids is not None else Unit.objects.none()
        self._style()


class PartyForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    role = forms.ChoiceField(
        choices=Party.Role.choices, label=_("Role"), initial=Party.Role.APPLICANT
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


PartyFormSet = forms.formset_factory(PartyForm, extra=2, max_num=50, min_num=1, validate_min=True)


class DisputeFilterForm(_Bootstrap, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("case number, title, party")}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    level = forms.ChoiceField(
        label=_("Risk level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Status.choices]
    )
    unit = forms.CharField(
        label=_("Unit code"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Unit code")}),
    )
    found_from = forms.DateField(
        label=_("Found from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    found_to = forms.DateField(
        label=_("Found to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("Overdue tasks only"), required=False)
    open_only = forms.BooleanField(label=_("Open cases only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, str(c)) for c in Category.objects.filter(parent__isnull=True)
        ]
        self._style()

    def filters(self) -> DisputeFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return DisputeFilters(**{k: v for k, v in data.items() if v not in (None, "")})


class AssessForm(_Bootstrap, forms.Form):
    level = forms.ChoiceField(choices=Level.choices, label=_("Risk level"))
    reasons = forms.CharField(
        label=_("Reasons (one per line)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    lead_leader = forms.ModelChoiceField(
        User.objects.none(), label=_("Leader in charge (for red cases)"), required=False
    )

    def __init__(self, *args, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_leader"].queryset = (
            leaders if leaders is not None else User.objects.none()
        )
        self._style()

    def reason_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["reasons"].splitlines() if line.strip()]


class AssignForm(_Bootstrap, forms.Form):
    owner = forms.ModelChoiceField(User.objects.none(), label=_("Owner"))

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self._style()


class OutcomeForm(_Bootstrap, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Status.RESOLVED, _("Resolved (化解)")),
            (Status.CONTAINED, _("Contained (稳控)")),
            (Status.TRANSFERRED, _("Transferred (移交)")),
        ],
    )
    note = forms.CharField(label=_("How it ended"), widget=forms.Textarea(attrs={"rows": 3}))
    transferred_to = forms.CharField(label=_("Transferred to"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class FollowUpForm(_Bootstrap, forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=FollowUpVisit.Method.choices)
    met_with = forms.CharField(label=_("Whom you met"), max_length=200, required=False)
    note = forms.CharField(
        label=_("What the visit found"), widget=forms.Textarea(attrs={"rows": 3})
    )
    matter_settled = forms.BooleanField(label=_("The matter is settled (事了)"), required=False)
    grievance_settled = forms.BooleanField(
        label=_("The grievance is settled (心结解开)"), required=False
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"),
        choices=[("", "—"), *FollowUpVisit.Satisfaction.choices],
        required=False,
    )
    recurred = forms.BooleanField(label=_("The dispute has flared up again"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ReferForm(_Bootstrap, forms.Form):
    bodies = forms.ModelMultipleChoiceField(
        label=_("Mediation bodies (several for joint handling)"),
        queryset=MediationBody.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    route = forms.ChoiceField(label=_("Route"), choices=ReferralRoute.choices)
    note = forms.CharField(
        label=_("What the body is asked to do"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, bodies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bodies"].queryset = (
            bodies if bodies is not None else MediationBody.objects.none()
        )
        self._style()


class NoteForm(_Bootstrap, forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = required
        self._style()


OFFICER_ROLES = [
    Role.AUXILIARY,
    Role.COMMUNITY_OFFICER,
    Role.STATION_STAFF,
    Role.STATION_CHIEF,
    Role.BUREAU_COMMANDER,
]
