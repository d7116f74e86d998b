from django import forms
from django.utils.translation import gettext_lazy as _

from concord.disputes.forms import _Bootstrap
from concord.disputes.models import Category, Level
from concord.territory.models import Unit


class GridReportForm(_Bootstrap, forms.Form):
    """A grid worker's report from a village lane: what was found, where."""

    text = forms.CharField(
        label=_("What did you find?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    address = forms.CharField(
        label=_("Where (village, group, household)"), max_length=200, required=False
    )
    reporter_name = forms.CharField(
        label=_("Who told you (optional)"), max_length=50, required=False
    )
    reporter_phone = forms.CharField(
        label=_("Their phone (optional)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class LeadRegisterForm(_Bootstrap, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ModelChoiceField(
        Category.objects.filter(parent__isnull=True, is_active=True),
        label=_("Category"),
        to_field_name="code",
    )
    grid = forms.ModelChoiceField(Unit.objects.none(), label=_("Grid"))
    level = forms.ChoiceField(choices=Level.choices, label=_("First impression of risk"))
    people_involved = forms.IntegerField(
        label=_("People involved"), min_value=1, max_value=100000, initial=2
    )

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids if grids is not None else Unit.objects.none()
        self._style()


class LeadAttachForm(_Bootstrap, forms.Form):
    case_number = forms.CharField(label=_("Case number"), max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class LeadDismissForm(_Bootstrap, forms.Form):
    reason = forms.CharField(label=_("Why it is not a dispute to follow"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class PatrolVisitForm(_Bootstrap, forms.Form):
    visited_on = forms.DateField(
        label=_("Visited on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    households = forms.IntegerField(label=_("Households visited"), min_value=1, max_value=10000)
    found = forms.CharField(
        label=_("What was found (leave empty if nothing)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
