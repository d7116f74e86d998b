from django.urls import path

from concord.people import access_views, views

urlpatterns = [
    path(
        "parties/<int:party_id>/reveal/<slug:field>/",
        views.party_reveal,
        name="party_reveal",
    ),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pair_id>/", views.review_pair, name="review_pair"),
    path("merges/<int:merge_id>/split/", views.person_split, name="person_split"),
    path("<int:person_id>/", views.person_detail, name="person_detail"),
    path(
        "<int:person_id>/subject-access.json",
        access_views.subject_access,
        name="person_subject_access",
    ),
]
