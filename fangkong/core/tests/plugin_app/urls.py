from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "plugin_app"


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("the plugin page")


urlpatterns = [path("", page, name="page")]
