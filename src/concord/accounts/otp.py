"""Who must confirm a login with a second factor, and the TOTP devices that do it (django-otp)."""

import base64

from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from concord.accounts.models import Role

# Commanders see the whole county; administrators manage accounts and tokens.
SECOND_FACTOR_ROLES = frozenset({Role.BUREAU_COMMANDER, Role.ADMIN})


def requires_second_factor(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or getattr(user, "role", None) in SECOND_FACTOR_ROLES)
    )


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


@transaction.atomic
def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device a user is setting up: the same key on every visit until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def secret_in_groups(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it when typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(data: str) -> str | None:
    """An inline SVG QR code of `data`, or None when the qrcode package is missing."""
    try:
        import qrcode
        import qrcode.image.svg
    except ImportError:  # pragma: no cover - qrcode is a dependency; the key is shown anyway
        return None
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=16, border=2)
    return image.to_string(encoding="unicode")


def mark_verified(request, device: TOTPDevice) -> None:
    """Remember in the session that `device` confirmed this login (as django_otp.login does)."""
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    request.user.otp_device = device
