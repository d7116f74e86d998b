"""Reporting pages, mounted at /reporting/ by concord.urls."""

from django.urls import path

from concord.reporting import brief_views, export_views

urlpatterns = [
    path("ledger/export", export_views.ledger_export_view, name="ledger_export"),
    path("briefs/", brief_views.brief_page, name="brief"),
]
