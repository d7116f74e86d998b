"""The `concord` command: Django's manage.py under the project's name."""

import os
import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "classify":
        # A filter outside tools pipe texts through: it needs no Django, and setting Django up
        # would cost most of a second per call (concord/intake/classify_io.py).
        from concord.intake.classify_io import fast_path_arguments
        from concord.intake.classify_io import main as classify

        args = fast_path_arguments(sys.argv[2:])
        if args is not None:
            sys.exit(classify(args))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(str(db["NAME"])) or ".", exist_ok=True)
    argv = list(sys.argv)
    # DESIGN §6 names commands with hyphens (`concord import-ledger`); Django modules use underscores.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
