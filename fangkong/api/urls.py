from django.urls import path

from fangkong.api.api import api
from fangkong.api.index import index

app_name = "api"
# /api/v1/ is an index of the API in place of ninja's own root (a 404); it keeps ninja's name, which
# ninja reverses to find the API's prefix.
urlpatterns = [
    path("", index, name="api-root"),
    *(pattern for pattern in api.urls[0] if getattr(pattern, "name", None) != "api-root"),
]
