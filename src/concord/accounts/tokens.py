"""API tokens for external systems: issued once, stored as a hash, revocable, audited."""

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import ApiToken, Role, User
from concord.audit.services import audit_record

PREFIX_LENGTH = 8
# secrets.token_urlsafe(32) gives 43 characters of this alphabet; anything else is not one of ours.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")
# Writing last_used_at on every request would make every read a write; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _may_manage_tokens(actor: User) -> bool:
    return bool(
        actor is not None and actor.is_active and (actor.is_superuser or actor.role == Role.ADMIN)
    )


@transaction.atomic
def api_token_issue(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token acting as `user`. The plain token is returned here and never again."""
    if not _may_manage_tokens(actor):
        raise PermissionDenied(_("Only administrators may issue or revoke API tokens."))
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = _("Name the system that will use the token.")
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = _("The name is too long.")
    if not user.is_active:
        errors["user"] = _("The account the token acts as is disabled.")
    if errors:
        raise ValidationError(errors)
    plain = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_prefix=plain[:PREFIX_LENGTH], key_hash=token_hash(plain)
    )
    audit_record(
        actor=actor,
        action="accounts.api_token_issue",
        target=token,
        unit=user.scope_unit,
        data={"user": user.username, "name": name, "key_prefix": token.key_prefix},
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token at once; revoking a revoked token changes nothing."""
    if not _may_manage_tokens(actor):
        raise PermissionDenied(_("Only administrators may issue or revoke API tokens."))
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="accounts.api_token_revoke",
            target=token,
            unit=token.user.scope_unit,
            data={"user": token.user.username, "name": token.name, "key_prefix": token.key_prefix},
        )
    return token


def api_token_verify(token: str, *, now: dt.datetime | None = None) -> ApiToken | None:
    """The live token matching `token` (its account active), or None. Records when it was last used."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_hash(token)
    candidates = ApiToken.objects.filter(
        key_prefix=token[:PREFIX_LENGTH], revoked_at__isnull=True
    ).select_related("user", "user__scope_unit")
    found = None
    for candidate in candidates:
        if hmac.compare_digest(candidate.key_hash, digest):
            found = candidate
    if found is None or not found.user.is_active:
        return None
    now = now or timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found
