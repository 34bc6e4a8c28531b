from django.urls import path

from fangkong.places import views

app_name = "places"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("search/", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/add/", views.add, name="add"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
]
