"""factory-boy factories for the organisation (apps add theirs beside these)."""

import factory
from factory.django import DjangoModelFactory

from iwp.models import District, Jobcentre, Role, StaffMember, Team

TEST_PASSWORD = "correct-horse-battery-staple"


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"District {n}")


class JobcentreFactory(DjangoModelFactory):
    class Meta:
        model = Jobcentre

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Jobcentre {n}")
    postcode = "LS1 4HR"


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    jobcentre = factory.SubFactory(JobcentreFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    role = Role.WORK_COACH
    team = factory.SubFactory(TeamFactory)
    jobcentre = factory.LazyAttribute(lambda o: o.team.jobcentre if o.team else None)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WorkCoachFactory(StaffMemberFactory):
    role = Role.WORK_COACH


class TeamLeaderFactory(StaffMemberFactory):
    role = Role.TEAM_LEADER


class ProgressionLeadFactory(StaffMemberFactory):
    role = Role.PROGRESSION_LEAD
    team = None
    jobcentre = factory.SubFactory(JobcentreFactory)


class AdministratorFactory(StaffMemberFactory):
    role = Role.ADMINISTRATOR
    team = None
    jobcentre = None


def govuk_date(name: str, value: str) -> dict[str, str]:
    """What a browser posts for a GOV.UK date input (day, month and year boxes) given "YYYY-MM-DD" (or "")."""
    year, month, day = value.split("-") if value else ("", "", "")
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


def admin_form_values(client, url: str) -> dict[str, str | list[str]]:
    """A Django admin change form's current values, as a browser would post them back."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(client.get(url).content, "html.parser")
    form = soup.find("form", id=lambda v: v and v.endswith("_form"))
    data: dict[str, str | list[str]] = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button", "file"):
            continue
        if field.name == "select" and field.has_attr("multiple"):
            data[name] = [o.get("value", "") for o in field.find_all("option", selected=True)]
        elif field.name == "select":
            chosen = field.find("option", selected=True)
            data[name] = chosen.get("value", "") if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.name == "textarea":
            data[name] = field.text
        else:
            data[name] = field.get("value", "")
    return data


def threshold_rows_applied(queryset) -> None:
    """Make AET or wage-rate rows count as included by every uprating, as the reference rows the migrations loaded
    do: no ``recorded_at`` stamp, and nothing for their dates in the database's log of changes (migration 0027)."""
    from claimants.models import ThresholdChange

    dates = set(queryset.values_list("effective_from", flat=True))
    queryset.update(recorded_at=None)  # the stamp alone: the log ignores it
    ThresholdChange.objects.filter(
        table_name=queryset.model._meta.db_table, effective_from__in=dates
    ).delete()
