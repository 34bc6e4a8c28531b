from django.urls import path

from fangkong.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("export/", views.job_export, name="export"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/confirm/", views.job_confirm, name="confirm"),
    path("<int:pk>/progress/", views.job_progress, name="progress"),
    path("<int:pk>/cancel/", views.job_cancel, name="cancel"),
    path("<int:pk>/result.xlsx", views.job_result, name="result"),
]
