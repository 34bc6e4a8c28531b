from django.urls import path

from fangkong.transfers import views

app_name = "transfers"
urlpatterns = [
    path("", views.task_list, name="list"),
    path("export/", views.task_export, name="export"),
    path("new/", views.task_add, name="add"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/depart/", views.task_depart, name="depart"),
    path("<int:pk>/arrive/", views.task_arrive, name="arrive"),
    path("<int:pk>/disinfect/", views.task_disinfect, name="disinfect"),
    path("<int:pk>/cancel/", views.task_cancel, name="cancel"),
    path("<int:pk>/vehicle/", views.task_vehicle, name="assign_vehicle"),
    path("<int:pk>/passengers/", views.task_passengers, name="passengers"),
    path("<int:pk>/crew/", views.task_crew, name="crew"),
    path("measure/<int:pk>/request-site/", views.measure_request_site, name="request_site"),
    path("vehicles/", views.vehicle_list, name="vehicles"),
    path("vehicles/new/", views.vehicle_add, name="vehicle_add"),
    path("vehicles/<int:pk>/", views.vehicle_edit, name="vehicle_edit"),
]
