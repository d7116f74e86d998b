"""Nil reports and screening campaigns, mounted at "intake/screening/"."""

from django.urls import path

from concord.intake import screening_views as views

urlpatterns = [
    path("", views.screening_home, name="screening_home"),
    path("report/<str:grid_code>/", views.nil_report_submit, name="nil_report_submit"),
    path("missing/", views.missing_grids, name="screening_missing"),
    path("sensitive/", views.sensitive_periods, name="sensitive_periods"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<int:pk>/units/<str:unit_code>/",
        views.campaign_unit_report,
        name="campaign_unit_report",
    ),
]
