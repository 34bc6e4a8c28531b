from django.urls import path

from fangkong.checkpoints import views

app_name = "checkpoints"
urlpatterns = [
    path("", views.checkpoint_list, name="list"),
    path("export/", views.checkpoint_export, name="export"),
    path("new/", views.checkpoint_add, name="add"),
    path("<int:pk>/", views.checkpoint_detail, name="detail"),
    path("<int:pk>/kit/", views.kit_view, name="kit"),
    path("<int:pk>/shifts/", views.shift_view, name="shifts"),
    path("<int:pk>/gate/", views.gate, name="gate"),
    path("<int:pk>/gate/lookup/", views.lookup, name="lookup"),
    path("<int:pk>/poster/", views.poster, name="poster"),
    path("<int:pk>/daily/", views.daily_report, name="daily"),
    path("daily/", views.daily_rollup_view, name="daily_rollup"),
    path("alerts/", views.alert_list, name="alerts"),
    path("registrations/", views.registration_list, name="registrations"),
    path("registrations/export/", views.registration_export, name="registrations_export"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("check-in/<str:token>/", views.check_in, name="check_in"),
]
