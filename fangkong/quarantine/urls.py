from django.urls import path

from fangkong.quarantine import views

app_name = "quarantine"
urlpatterns = [
    path("", views.measure_list, name="measures"),
    path("export/", views.measure_export, name="measures_export"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/place/", views.measure_place, name="measure_place"),
    path("measures/<int:pk>/move/", views.measure_move, name="measure_move"),
    path("measures/<int:pk>/leave/", views.measure_leave, name="measure_leave"),
    path("measures/<int:pk>/test/", views.measure_test, name="measure_test"),
    path("measures/<int:pk>/extend/", views.measure_extend, name="measure_extend"),
    path("measures/<int:pk>/release/", views.measure_release, name="measure_release"),
    path("measures/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("sites/", views.site_list, name="sites"),
    path("sites/export/", views.site_export, name="sites_export"),
    path("sites/new/", views.site_add, name="site_add"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/rooms/", views.site_rooms, name="site_rooms"),
    path("sites/<int:pk>/staff/", views.site_staff, name="site_staff"),
    path("sites/<int:pk>/activate/", views.site_activate, name="site_activate"),
    path("rooms/<int:pk>/status/", views.room_status, name="room_status"),
    path("capacity/", views.capacity, name="capacity"),
    path("daily/", views.daily, name="daily"),
    path("daily/export/", views.daily_export, name="daily_export"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
