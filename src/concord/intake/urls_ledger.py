"""The ledger import pages, mounted at /intake/ledger/ by concord.urls."""

from django.urls import path

from concord.intake import views_ledger

urlpatterns = [
    path("", views_ledger.ledger_upload, name="ledger_upload"),
    path("result/<str:token>/", views_ledger.ledger_result, name="ledger_result"),
    path(
        "result/<str:token>/report.json",
        views_ledger.ledger_report_json,
        name="ledger_report_json",
    ),
]
