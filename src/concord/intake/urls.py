from django.urls import path

from concord.intake import views

urlpatterns = [
    path("", views.triage_queue, name="triage_queue"),
    path("report/", views.grid_report, name="grid_report"),
    path("visits/", views.patrol_visit, name="patrol_visit"),
    path("<int:lead_id>/", views.lead_detail, name="lead_detail"),
]
