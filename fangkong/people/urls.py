from django.urls import path

from fangkong.people import views

app_name = "people"
urlpatterns = [path("", views.list, name="list")]
