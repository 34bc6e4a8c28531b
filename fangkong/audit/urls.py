from django.urls import path

from fangkong.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.list, name="list"),
    path("export/", views.export, name="export"),
]
