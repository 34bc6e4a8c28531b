from django.urls import path

from fangkong.protocols import views

app_name = "protocols"
urlpatterns = [
    path("", views.protocol_list, name="list"),
    path("activate/", views.activate, name="activate"),
    path("<int:pk>/copy/", views.copy, name="copy"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("risk-areas/", views.risk_area_list, name="risk_areas"),
    path("risk-areas/new/", views.risk_area_edit, name="risk_area_create"),
    path("risk-areas/import/", views.risk_area_import, name="risk_area_import"),
    path("risk-areas/<int:pk>/edit/", views.risk_area_edit, name="risk_area_edit"),
    path("risk-areas/<int:pk>/delete/", views.risk_area_delete, name="risk_area_delete"),
]
