from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Demands letters and digits together: a phone number or a name alone is not a password."""

    def validate(self, password: str, user=None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        if not (has_letter and has_digit):
            raise ValidationError(
                _("The password must contain both letters and digits."),
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain both letters and digits.")
