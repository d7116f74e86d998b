from django.urls import path

from concord.disputes import views

urlpatterns = [
    path("", views.dispute_list, name="dispute_list"),
    path("new/", views.dispute_register, name="dispute_register"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/<int:task_id>/<str:action>/", views.task_act, name="task_act"),
    path("<str:case_number>/", views.dispute_detail, name="dispute_detail"),
    path("<str:case_number>/assess/", views.dispute_questionnaire, name="dispute_questionnaire"),
    path(
        "<str:case_number>/assess/preview/",
        views.dispute_questionnaire_preview,
        name="dispute_questionnaire_preview",
    ),
    path("<str:case_number>/act/<str:action>/", views.dispute_act, name="dispute_act"),
    path(
        "<str:case_number>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
