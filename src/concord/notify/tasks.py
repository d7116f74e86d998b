"""The background worker's schedule (huey; `concord run_huey` runs it, `make demo` starts it beside
the web server). Thin: each task calls the jobs with the worker's clock."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from concord.notify.jobs import run_due_jobs
from concord.notify.services import deliveries_attempt


@db_periodic_task(crontab(minute="*/5"))
@lock_task("concord-run-due-jobs")
def run_due_jobs_periodic() -> dict:
    """Every five minutes: deadlines, escalations, reminders, digests, briefs, then deliveries."""
    return run_due_jobs(now=timezone.now())


@db_periodic_task(crontab(minute="*"))
@lock_task("concord-deliveries")
def deliveries_periodic() -> dict:
    """Every minute: the e-mails and texts that are due (new ones, retries, quiet hours over)."""
    return deliveries_attempt(now=timezone.now())
