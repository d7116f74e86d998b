"""Load the demo county: run each builder step in one transaction and report what is there.

A step creates only what is missing, so loading twice creates nothing the second time. To extend the
demo (disputes, leads, mediation…), write a `Step` and append it to `STEPS`; it gets its own random
stream from `DemoContext.rng(name)` and finds the county's units and users in `ctx.unit_ids` and
`ctx.user_ids`.
"""

import time
import unicodedata
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from concord.accounts.models import Role, User
from concord.audit.services import audit_record
from concord.core.demo import (
    county,
    disputes,
    leads,
    mediation,
    notifications,
    people,
    screening,
)
from concord.core.demo.base import DemoContext, Section, Step, bilingual
from concord.territory.models import Unit

STEPS: list[Step] = [
    county.UNITS,
    county.USERS,
    county.RESPONSIBILITIES,
    disputes.DISPUTES,
    people.PEOPLE,
    mediation.MEDIATION,
    leads.LEADS,
    screening.SCREENING,
    notifications.NOTIFICATIONS,
]


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    display_name: str
    unit_name: str


@dataclass(frozen=True)
class DemoReport:
    seed: int
    bureau_code: str
    bureau_name: str
    sections: list[Section]
    accounts: list[Account]
    password: str
    seconds: float

    @property
    def created(self) -> int:
        return sum(row.created for section in self.sections for row in section.rows)


def load_demo(*, seed: int = county.DEFAULT_SEED, steps: list[Step] | None = None) -> DemoReport:
    """Create whatever of the demo county is missing; one audit row when anything was created.

    Raises DemoConflict when the database holds a demo county from another seed.
    """
    started = time.monotonic()
    steps = STEPS if steps is None else steps
    ctx = DemoContext(seed=seed, plan=county.plan_county(seed))
    with transaction.atomic():
        for step in steps:
            step.run(ctx)
            # Fresh statistics for the rows each step wrote, before the next step reads them:
            # without them PostgreSQL's planner walks the demo's joins row by row (a count over
            # sessions took minutes, each lead's history lookup a second).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        created = {key: n for key, n in sorted(ctx.created.items()) if n}
        bureau = Unit.objects.get(code=county.BUREAU_CODE)
        if created:
            audit_record(
                actor=None,
                action="demo.load",
                target=bureau,
                unit=bureau,
                data={"seed": seed, "created": created},
            )
        sections = [step.count(ctx) for step in steps]
        accounts = _accounts(ctx)
    return DemoReport(
        seed=seed,
        bureau_code=bureau.code,
        bureau_name=bureau.name,
        sections=sections,
        accounts=accounts,
        password=county.DEMO_PASSWORD,
        seconds=time.monotonic() - started,
    )


def _accounts(ctx: DemoContext) -> list[Account]:
    examples = county.example_accounts(ctx.plan)
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[e.username for e in examples]).select_related(
            "scope_unit"
        )
    }
    return [
        Account(
            username=u.username,
            role=bilingual(county.ROLE_ZH[u.role], Role(u.role).label),
            display_name=u.display_name,
            unit_name=u.scope_unit.name if u.scope_unit else "",
        )
        for e in examples
        if (u := users.get(e.username)) is not None
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render_report(report: DemoReport) -> str:
    """The report as a plain-text table for a terminal."""
    lines = [
        _("Demo county: %(name)s (%(code)s), seed %(seed)s")
        % {"name": report.bureau_name, "code": report.bureau_code, "seed": report.seed},
        "",
    ]
    labels = [row.label for s in report.sections for row in s.rows]
    first = max(_width(label) for label in labels) + 4
    total, created = _("Total"), _("Created now")
    lines.append(f"{_pad('', first)}{total:>10}  {created:>12}")
    for section in report.sections:
        lines.append(section.title)
        for row in section.rows:
            lines.append(f"  {_pad(row.label, first - 2)}{row.total:>10}  {row.created:>12}")
    lines += [
        "",
        _("Created %(created)s rows in %(seconds).1f s.")
        % {"created": report.created, "seconds": report.seconds},
        "",
        _("Password for every demo account: %(password)s") % {"password": report.password},
        _("One account per role:"),
    ]
    width_user = max((len(a.username) for a in report.accounts), default=0) + 2
    width_role = max((_width(a.role) for a in report.accounts), default=0) + 2
    width_name = max((_width(a.display_name) for a in report.accounts), default=0) + 2
    for a in report.accounts:
        lines.append(
            f"  {a.username:<{width_user}}{_pad(a.role, width_role)}{_pad(a.display_name, width_name)}{a.unit_name}"
        )
    return "\n".join(lines)
