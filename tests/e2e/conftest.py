import pytest


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
