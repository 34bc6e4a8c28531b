from django.urls import path

from fangkong.screening import report_views, views

app_name = "screening"
urlpatterns = [
    path("", views.key_person_list, name="list"),
    path("export/", views.key_person_export, name="export"),
    path("queue/", views.queue, name="queue"),
    path("unplaced/", views.unplaced, name="unplaced"),
    path("new/", views.add_view, name="add"),
    path("<int:pk>/", views.key_person_detail, name="detail"),
    path("<int:pk>/transition/", views.transition_view, name="transition"),
    path("<int:pk>/route/", views.route_view, name="route"),
    path("<int:pk>/category/", views.category_view, name="category"),
    path("<int:pk>/hand-over/", views.hand_over_view, name="hand_over"),
    path("<int:pk>/worker/", views.worker_view, name="worker"),
    path("<int:pk>/travel/", views.travel_view, name="travel"),
    path("push-lists/", views.push_lists, name="push_lists"),
    path("coverage/", views.coverage_board, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("sweeps/", views.sweep_list, name="sweeps"),
    path("sweeps/<int:pk>/", views.sweep_detail, name="sweep"),
    path("sweeps/<int:pk>/households/<int:household_id>/", views.sweep_visit, name="visit"),
    path("apply-protocol/", views.apply_preview, name="apply_protocol"),
    path("poster/<int:community_id>/", views.poster, name="poster"),
    path("report/<str:token>/", views.self_report, name="self_report"),
    path("self-reports/", report_views.self_report_list, name="self_reports"),
    path("self-reports/<int:pk>/", report_views.self_report_detail, name="self_report_detail"),
    path("self-reports/<int:pk>/confirm/", report_views.self_report_confirm, name="self_report_confirm"),
    path("self-reports/<int:pk>/register/", report_views.self_report_register, name="self_report_register"),
]
