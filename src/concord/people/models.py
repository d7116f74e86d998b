"""One person behind many records: party records link to a Person; linkage keeps them together."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Person(models.Model):
    # What the linked records agree on, normalised; the records themselves stay as typed.
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, db_index=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Set when merged into another person; the row stays so a split can bring it back.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class PersonKey(models.Model):
    """An indexed blocking key of a person (an ID number, a phone, a name key in a village…), so
    online matching finds candidates with a few index lookups instead of scanning."""

    class Kind(models.TextChoices):
        ID_NUMBER = "id", _("ID number")
        PHONE = "phone", _("Phone")
        NAME_VILLAGE = "name_village", _("Name in a village")
        NAME_BIRTH = "name_birth", _("Name and birth date")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "value"], name="people_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ReviewPair(models.Model):
    """Two persons the model could not decide on: an analyst merges them or marks them distinct."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISTINCT = "distinct", _("Different people")

    left = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("match probability"))
    evidence = models.JSONField(_("evidence"), default=dict)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("linkage review")
        verbose_name_plural = _("linkage reviews")
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["left", "right"],
                condition=Q(state="open"),
                name="people_reviewpair_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.left_id}~{self.right_id} {self.probability:.2f}"


class PersonMerge(models.Model):
    """A merge as it happened: which records moved, so a split restores exactly the persons before."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    absorbed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    party_ids = models.JSONField(default=list)
    key_ids = models.JSONField(default=list)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField()
    split_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    split_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.absorbed_id}→{self.kept_id}"
