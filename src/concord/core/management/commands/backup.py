"""`concord backup --output FILE`: a consistent copy of the live database (concord.core.backups).

SQLite: the online backup API (the application keeps running). PostgreSQL: pg_dump's custom
format, which `concord restore` reads back with pg_restore.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _

from concord.audit.services import audit_record
from concord.core.backups import BackupError, backup_database


class Command(BaseCommand):
    help = "Back up the database to a file (SQLite online backup, or pg_dump for PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, help="The backup file to write.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("Database alias."))

    def handle(self, *args, output, database, **options):
        connection = connections[database]
        # A backup is a full export of personal data (DESIGN §7): the log says when and where,
        # and the row is inside the backup it describes.
        with transaction.atomic(using=database):
            audit_record(actor=None, action="core.backup", data={"output": str(output)})
        try:
            path = backup_database(connection.settings_dict, output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            json.dumps(
                {"backup": str(path), "vendor": connection.vendor, "bytes": path.stat().st_size}
            )
        )
