"""The site's URLconf: each installed app's own URLconf at the prefix its plugin.py declares."""

from django.contrib import admin
from django.urls import include, path

from fangkong.core import plugins

urlpatterns = [
    *(path(app.plugin.url_prefix, include(app.plugin.urls)) for app in plugins.installed() if app.plugin.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
