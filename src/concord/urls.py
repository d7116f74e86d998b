from django.contrib import admin
from django.urls import include, path

from concord.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("concord.accounts.urls")),
    path("api/", api.urls),
    path("disputes/", include("concord.disputes.urls")),
    path("people/", include("concord.people.urls")),
    path("intake/ledger/", include("concord.intake.urls_ledger")),
    path("intake/screening/", include("concord.intake.screening_urls")),
    path("intake/", include("concord.intake.urls")),
    path("mediation/", include("concord.mediation.urls")),
    path("reporting/", include("concord.reporting.urls")),
    path("notify/", include("concord.notify.urls")),
    path("audit/", include("concord.audit.urls")),
    path("", include("concord.core.urls")),
]
