"""The inbox, the bell, preferences and failed deliveries, mounted at /notify/ by concord.urls."""

from django.urls import path

from concord.notify import views

urlpatterns = [
    path("", views.inbox, name="notify_inbox"),
    path("bell/", views.bell, name="notify_bell"),
    path("read/", views.mark_read, name="notify_mark_read"),
    path("preferences/", views.preferences, name="notify_preferences"),
    path("failed/", views.failed, name="notify_failed"),
    path("failed/<int:pk>/retry/", views.retry, name="notify_retry"),
    path("<int:pk>/", views.open_notification, name="notify_open"),
]
