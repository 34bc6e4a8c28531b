from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("fangkong.core.urls")),
    path("accounts/", include("fangkong.accounts.urls")),
    path("places/", include("fangkong.places.urls")),
    path("people/", include("fangkong.people.urls")),
    path("audit/", include("fangkong.audit.urls")),
    path("imports/", include("fangkong.imports.urls")),
    path("screening/", include("fangkong.screening.urls")),
    path("protocols/", include("fangkong.protocols.urls")),
    path("checkpoints/", include("fangkong.checkpoints.urls")),
    path("quarantine/", include("fangkong.quarantine.urls")),
    path("transfers/", include("fangkong.transfers.urls")),
    path("monitoring/", include("fangkong.monitoring.urls")),
    path("api/v1/", include("fangkong.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
