"""The dashboard (ECharts) and the grid map (Leaflet). Thin: the numbers come from selectors.py,
scoped to the actor; `?unit=CODE` drills down to a unit under the actor's scope (any other unit is
a 404) and `?wall=1` is the command centre's wall screen."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from concord.disputes.models import Level
from concord.reporting import selectors
from concord.reporting.metrics import metrics_for
from concord.territory.models import Unit, UnitKind
from concord.territory.selectors import unit_get

METRICS_DAYS = 30
# The rates the metrics strip shows, as reporting/metrics.py defines them (docs/metrics.md).
RATES = (
    (
        "resolution_rate",
        gettext_lazy("Resolution rate"),
        gettext_lazy("Found in the period and resolved (化解率)"),
    ),
    (
        "containment_rate",
        gettext_lazy("Containment rate"),
        gettext_lazy("Found in the period and resolved or contained (稳控率)"),
    ),
    (
        "overdue_rate",
        gettext_lazy("Overdue rate"),
        gettext_lazy("Tasks due in the period done late or still open past due (超期率)"),
    ),
    (
        "follow_up_completion",
        gettext_lazy("Follow-up completion"),
        gettext_lazy("Follow-up visits due in the period that were made (回访完成率)"),
    ),
    (
        "nil_completeness",
        gettext_lazy("Nil-report completeness"),
        gettext_lazy("Grid reporting periods covered by a nil report (零报告完整率)"),
    ),
    (
        "recurrence_rate",
        gettext_lazy("Recurrence rate"),
        gettext_lazy("Of the period's cases ever closed, the share reopened (复发率)"),
    ),
)
WALL_REFRESH_SECONDS = 60


def _unit(request: HttpRequest) -> Unit:
    try:
        return selectors.dashboard_unit(
            actor=request.user, code=request.GET.get("unit", "").strip()
        )
    except Unit.DoesNotExist as exc:
        raise Http404(_("No such unit in your area.")) from exc


def _page_context(request: HttpRequest, unit: Unit) -> dict:
    return {
        "unit": unit,
        "crumbs": selectors.breadcrumbs(actor=request.user, unit=unit),
    }


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    wall = request.GET.get("wall") == "1"
    data = selectors.dashboard_shared(actor=request.user, unit=unit)
    return render(
        request,
        "reporting/dashboard.html",
        {
            **_page_context(request, unit),
            "board": data,
            "data": data.as_json(),
            "wall": wall,
            "base_template": "reporting/wall_base.html" if wall else "base.html",
            "refresh_seconds": WALL_REFRESH_SECONDS,
            "metrics_days": METRICS_DAYS,
        },
    )


@require_GET
@login_required
def dashboard_data(request: HttpRequest) -> JsonResponse:
    """The dashboard's numbers as JSON (what the page embeds), for a refresh or another screen."""
    unit = _unit(request)
    return JsonResponse(
        selectors.dashboard_shared(actor=request.user, unit=unit).as_json(),
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@login_required
def dashboard_metrics(request: HttpRequest) -> HttpResponse:
    """The metrics strip (化解率, 稳控率, 超期率…) over the last 30 days, loaded after the page."""
    unit = _unit(request)
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=METRICS_DAYS - 1), today + dt.timedelta(days=1)
    narrowed = unit.pk != request.user.scope_unit_id
    m = metrics_for(
        actor=request.user, start=start, end=end, unit_code=unit.code if narrowed else ""
    )
    rates = [
        {
            "code": "found",
            "label": _("Cases found"),
            "value": str(m.found),
            "help": _("Cases found in the period"),
        },
        *(
            {
                "code": code,
                "label": label,
                "value": None if getattr(m, code) is None else f"{getattr(m, code) * 100:.1f}%",
                "help": help_text,
            }
            for code, label, help_text in RATES
        ),
    ]
    return render(
        request,
        "reporting/_metrics.html",
        {
            "rates": rates,
            "start": start,
            "last": today,
            "wall": request.GET.get("wall") == "1",
            "days": METRICS_DAYS,
        },
    )


@require_GET
@login_required
def grid_map(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    data = selectors.grid_map(actor=request.user, unit=unit)
    return render(
        request,
        "reporting/map.html",
        {
            **_page_context(request, unit),
            "map": data,
            "map_data": data.as_json(),
            "map_config": {
                "tile_url": settings.CONCORD_MAP_TILE_URL,
                "tile_attribution": settings.CONCORD_MAP_TILE_ATTRIBUTION,
                "labels": {
                    "open": _("Open cases"),
                    **{level.value: str(level.label) for level in Level},
                },
            },
            "drill": selectors.drill_children(actor=request.user, unit=unit),
        },
    )


@require_GET
@login_required
def grid_map_data(request: HttpRequest) -> JsonResponse:
    """The map's GeoJSON: the unit's grids with their open counts and worst open level."""
    unit = _unit(request)
    return JsonResponse(
        selectors.grid_map(actor=request.user, unit=unit).as_json(),
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@login_required
def grid_cases(request: HttpRequest, code: str) -> HttpResponse:
    """The open cases of one grid the actor may see (the map loads this when a grid is clicked)."""
    try:
        grid = unit_get(actor=request.user, code=code)
    except Unit.DoesNotExist as exc:
        raise Http404(_("No such unit in your area.")) from exc
    if grid.kind != UnitKind.GRID:
        raise Http404(_("No such unit in your area."))
    cases, total = selectors.grid_cases(actor=request.user, grid=grid)
    return render(
        request, "reporting/_grid_cases.html", {"grid": grid, "cases": cases, "total": total}
    )
