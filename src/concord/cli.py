"""The `concord` command: Django's manage.py under the project's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(str(db["NAME"])) or ".", exist_ok=True)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
