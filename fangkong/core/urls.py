from typing import Any

from django.templatetags.static import static
from django.urls import path
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView

from fangkong.core import views

app_name = "core"


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on pages that name no icon (the public QR pages, JSON answers)."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("fangkong/favicon.svg")  # resolved per request: a manifest storage may hash the name


urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", require_safe(FaviconView.as_view()), name="favicon"),
]
