import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.factories import TEST_PASSWORD


@pytest.mark.django_db
def test_sign_in_page_is_govuk_styled_with_error_summary_on_bad_password(client, work_coach):
    page = client.get(reverse("login"))
    assert b"govuk-input" in page.content
    response = client.post(reverse("login"), {"username": work_coach.username, "password": "wrong"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"There is a problem" in response.content


@pytest.mark.django_db
def test_sign_in_then_out(client, work_coach):
    response = client.post(reverse("login"), {"username": work_coach.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    home = client.get(reverse("claimants:caseload"))
    assert escape(work_coach.get_full_name()).encode() in home.content
    assert work_coach.team.jobcentre.name.encode() in home.content
    assert b"Work coach" in home.content
    out = client.post(reverse("logout"))
    assert out.status_code == 302
    assert client.get(reverse("claimants:caseload")).status_code == 302


def test_production_hashes_passwords_with_django_default(django_user_model):
    from django.conf import global_settings
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from iwp import settings as project_settings

    assert not hasattr(project_settings, "PASSWORD_HASHERS")  # Django's default list applies
    assert global_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    encoded = PBKDF2PasswordHasher().encode(TEST_PASSWORD, "saltsaltsalt")
    assert encoded.startswith("pbkdf2_sha256$") and TEST_PASSWORD not in encoded


@pytest.mark.django_db
def test_failed_logins_lock_the_account(client, work_coach, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": work_coach.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": work_coach.username, "password": TEST_PASSWORD})
    assert locked.status_code == 429
    assert b"Your account is locked" in locked.content
    assert client.get(reverse("claimants:caseload")).status_code == 302  # still signed out


@pytest.mark.django_db
def test_next_parameter_is_honoured_only_for_this_site(client, work_coach):
    ok = client.post(
        reverse("login") + "?next=/administration/",
        {"username": work_coach.username, "password": TEST_PASSWORD, "next": "/provision/"},
    )
    assert ok["Location"] == "/provision/"
    client.post(reverse("logout"))
    evil = client.post(
        reverse("login"),
        {"username": work_coach.username, "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert evil["Location"] == reverse("home")
