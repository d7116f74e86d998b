"""Reporting pages, mounted at /reporting/ by concord.urls."""

from django.urls import path

from concord.reporting import brief_views, export_views
from concord.reporting import views as dashboard_views

urlpatterns = [
    path("ledger/export", export_views.ledger_export_view, name="ledger_export"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/data/", dashboard_views.dashboard_data, name="dashboard_data"),
    path("dashboard/metrics/", dashboard_views.dashboard_metrics, name="dashboard_metrics"),
    path("map/", dashboard_views.grid_map, name="grid_map"),
    path("map/data/", dashboard_views.grid_map_data, name="grid_map_data"),
    path("map/grids/<str:code>/cases/", dashboard_views.grid_cases, name="grid_cases"),
    path("briefs/", brief_views.brief_page, name="brief"),
]
