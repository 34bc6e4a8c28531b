from fangkong.api.api import api

app_name = "api"
urlpatterns = api.urls[0]
