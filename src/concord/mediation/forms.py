"""Forms of the mediation pages: they only parse and label; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.accounts.models import User
from concord.disputes.forms import _Bootstrap
from concord.mediation.models import Agreement, Referral, SessionResult

DATE = {"type": "date"}
ISO_DATE = "%Y-%m-%d"  # what a date input sends and expects, whatever the language


class InboxFilterForm(_Bootstrap, forms.Form):
    state = forms.ChoiceField(
        label=_("Referrals to show"),
        required=False,
        choices=[("", _("Awaiting acceptance and in hand")), *Referral.State.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def state_value(self) -> str:
        return self.cleaned_data.get("state", "") if self.is_valid() else ""


class ReturnForm(_Bootstrap, forms.Form):
    reason = forms.CharField(
        label=_("Why the body will not take the case"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class SessionForm(_Bootstrap, forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Place"), max_length=120)
    mediators = forms.ModelMultipleChoiceField(
        label=_("Mediators"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    attendees = forms.CharField(label=_("Who attended"), widget=forms.Textarea(attrs={"rows": 2}))
    summary = forms.CharField(
        label=_("Summary of the session"), widget=forms.Textarea(attrs={"rows": 4})
    )
    result = forms.ChoiceField(
        label=_("Result of the session"), choices=[("", "—"), *SessionResult.choices]
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = members if members is not None else User.objects.none()
        self._style()


class AgreementForm(_Bootstrap, forms.Form):
    form = forms.ChoiceField(
        label=_("Form of the agreement"),
        choices=Agreement.Form.choices,
        initial=Agreement.Form.WRITTEN,
    )
    facts = forms.CharField(
        label=_("Facts and points in dispute"), widget=forms.Textarea(attrs={"rows": 4})
    )
    terms = forms.CharField(
        label=_("Terms agreed (one per line)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs=DATE, format=ISO_DATE)
    )
    court = forms.CharField(label=_("Confirming court"), max_length=80, required=False)
    confirmation_number = forms.CharField(
        label=_("Confirmation ruling number"), max_length=60, required=False
    )
    confirmed_on = forms.DateField(
        label=_("Confirmed on"), required=False, widget=forms.DateInput(attrs=DATE, format=ISO_DATE)
    )
    scan = forms.FileField(
        label=_("Signed scan (photo or PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class InstalmentForm(_Bootstrap, forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs=DATE, format=ISO_DATE))
    description = forms.CharField(label=_("What is to be done"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=3, max_num=60)


class PerformForm(_Bootstrap, forms.Form):
    performed_on = forms.DateField(
        label=_("Performed on"), widget=forms.DateInput(attrs=DATE, format=ISO_DATE)
    )
    amount = forms.DecimalField(
        label=_("Amount performed (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
