from django.urls import path

from fangkong.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.home_list, name="home_list"),
    path("export/", views.home_export, name="home_export"),
    path("measures/<int:pk>/", views.measure_page, name="measure"),
    path("measures/<int:pk>/report/", views.report_view, name="report"),
    path("measures/<int:pk>/home/", views.home_view, name="home"),
    path("measures/<int:pk>/team/", views.team_view, name="team"),
    path("measures/<int:pk>/deliveries/", views.deliveries_view, name="deliveries"),
    path("measures/<int:pk>/link/", views.renew_link_view, name="renew_link"),
    path("due/", views.due_board, name="due"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/export/", views.alert_export, name="alerts_export"),
    path("r/<str:token>/", views.self_report, name="self_report"),
]
