from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from concord.accounts.models import Role
from concord.disputes.models import Level
from concord.disputes.workflow import TRANSITIONS
from concord.intake.services import TRIAGE_ROLES
from concord.reporting.briefs import BRIEF_ROLES

# Who reads the dashboard (ECharts) and the grid map: the police tiers from the sector up.
DASHBOARD_ROLES = {
    Role.COMMUNITY_OFFICER,
    Role.STATION_STAFF,
    Role.STATION_CHIEF,
    Role.BUREAU_COMMANDER,
    Role.ANALYST,
    Role.ADMIN,
}

# (url name, label, roles that see it; None = everyone signed in). Later rooms add their entries here.
NAV_ITEMS = [
    ("home", _("My area"), None),
    ("dispute_list", _("Dispute ledger"), None),
    ("dispute_register", _("Register a dispute"), TRANSITIONS["register"].roles[Level.YELLOW]),
    ("my_tasks", _("My tasks"), None),
    ("grid_report", _("Report what I found"), {Role.GRID_WORKER}),
    ("patrol_visit", _("Log a patrol visit"), {Role.GRID_WORKER, Role.AUXILIARY}),
    ("triage_queue", _("Lead pool"), TRIAGE_ROLES),
    ("mediation_inbox", _("Mediation inbox"), {Role.MEDIATOR}),
    (
        "screening_home",
        _("Nil reports"),
        {
            Role.GRID_WORKER,
            Role.AUXILIARY,
            Role.COMMUNITY_OFFICER,
            Role.STATION_STAFF,
            Role.STATION_CHIEF,
            Role.BUREAU_COMMANDER,
            Role.ADMIN,
        },
    ),
    ("campaign_list", _("Screening campaigns"), None),
    ("dashboard", _("Dashboard"), DASHBOARD_ROLES),
    ("grid_map", _("Grid map"), DASHBOARD_ROLES | {Role.AUXILIARY}),
    ("brief", _("Briefs"), BRIEF_ROLES),
    (
        "ledger_upload",
        _("Import a ledger"),
        {Role.ANALYST, Role.ADMIN, Role.STATION_STAFF, Role.STATION_CHIEF},
    ),
    ("review_queue", _("Linkage review"), {Role.ADMIN, Role.ANALYST}),
    ("notify_failed", _("Failed deliveries"), {Role.ADMIN}),
    ("audit_log", _("Audit log"), {Role.STATION_CHIEF, Role.BUREAU_COMMANDER, Role.ADMIN}),
    ("admin:index", _("Administration"), {Role.ADMIN, Role.ANALYST}),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "notify_unread": 0}
    items = [
        {
            "url": reverse(name),
            "label": label,
            "active": request.resolver_match is not None
            and request.resolver_match.view_name == name,
        }
        for name, label, roles in NAV_ITEMS
        if roles is None
        or user.role in roles
        or (name.startswith("admin:") and user.is_staff and roles is None)
    ]
    from concord.notify.selectors import unread_count

    return {"nav_items": items, "notify_unread": unread_count(actor=user)}
