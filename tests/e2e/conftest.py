import pytest


@pytest.fixture(autouse=True)
def _unhashed_static(settings):
    """pytest-django's live server serves /static/ from the finders (static/), where the manifest's hashed names
    do not exist, so pages would load with no CSS or JS; plain names let the browser load the real assets.
    (The hashed manifest itself is built by `make test`'s collectstatic.)"""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def sign_in(live_server, page):
    """Sign in through the real form in Chromium; returns the page on the user's start page."""

    def _sign_in(username: str, password: str):
        page.goto(live_server.url + "/sign-in/")
        page.get_by_label("Staff username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    return _sign_in
