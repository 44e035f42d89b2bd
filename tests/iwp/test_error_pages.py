"""With DEBUG off (as in `make demo` and production) errors show the service's GOV.UK pages, never Django's."""

import pytest
from django.test import Client
from django.urls import include, path

from iwp.urls import urlpatterns as service_urls

pytestmark = pytest.mark.django_db


def _broken(request):
    raise RuntimeError("a fault in a page")


urlpatterns = [path("broken/", _broken), path("", include(service_urls))]
handler500 = "iwp.views.server_error"


@pytest.fixture
def broken_site(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def test_a_fault_shows_the_service_error_page_with_its_name(broken_site, coach_client):
    client = Client(raise_request_exception=False)
    client.cookies = coach_client.cookies
    response = client.get("/broken/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "<title>Sorry, there is a problem with the service – IWP Casework</title>" in html
    assert "Traceback" not in html and "RuntimeError" not in html


def test_a_wrong_address_shows_page_not_found_not_the_url_list(broken_site, coach_client):
    response = coach_client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert "Using the URLconf" not in html and "claimants/" not in html.split("<main", 1)[1]
