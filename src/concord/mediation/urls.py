from django.urls import path

from concord.mediation import views

urlpatterns = [
    path("", views.inbox, name="mediation_inbox"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:referral_id>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<int:referral_id>/return/", views.referral_return, name="referral_return"),
    path("referrals/<int:referral_id>/sessions/", views.session_record, name="session_record"),
    path("referrals/<int:referral_id>/agreement/", views.agreement_record, name="agreement_record"),
    path("agreements/<int:agreement_id>/print/", views.agreement_print, name="agreement_print"),
    path(
        "agreements/<int:agreement_id>/instalments/<int:instalment_id>/perform/",
        views.instalment_perform,
        name="instalment_perform",
    ),
]
