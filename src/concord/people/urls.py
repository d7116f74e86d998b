from django.urls import path

from concord.people import views

urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pair_id>/", views.review_pair, name="review_pair"),
    path("merges/<int:merge_id>/split/", views.person_split, name="person_split"),
    path("<int:person_id>/", views.person_detail, name="person_detail"),
]
