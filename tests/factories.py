from __future__ import annotations

import datetime as dt
import functools

import factory
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import Role, RoleAssignment, User
from extensions.models import DeadlineExtension
from planning.definitions import parse_definition, shipped_definition_text
from planning.models import (
    Collection,
    Organisation,
    OrganisationType,
    PlanningRound,
    Region,
    RoundStatus,
    Stage,
    TrustKind,
)
from submissions.models import Submission, SubmissionStatus
from workbooks.definition import Definition


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Z{n:02d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class IcsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"QZ{n:03d}")
    name = factory.Sequence(lambda n: f"Test ICS {n}")
    org_type = OrganisationType.ICS
    region = factory.SubFactory(RegionFactory)


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"R{n:04d}")
    name = factory.Sequence(lambda n: f"Test NHS Trust {n}")
    org_type = OrganisationType.PROVIDER
    trust_kind = TrustKind.ACUTE
    parent_ics = factory.SubFactory(IcsFactory)
    region = factory.LazyAttribute(lambda o: o.parent_ics.region)


class CcgFactory(TrustFactory):
    ods_code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"NHS Test CCG {n}")
    org_type = OrganisationType.CCG
    trust_kind = ""


@functools.cache
def shipped_definition(slug: str = "2021-22") -> Definition:
    definition, problems = parse_definition(text=shipped_definition_text(slug=slug))
    assert problems == [], problems
    return definition


class PlanningRoundFactory(factory.django.DjangoModelFactory):
    """A round whose templates are the shipped 2021/22 definition's (collections are made apart)."""

    class Meta:
        model = PlanningRound
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Round {n}")
    starts_on = dt.date(2021, 4, 1)
    ends_on = dt.date(2022, 3, 31)
    reference_date = factory.SelfAttribute("starts_on")
    status = RoundStatus.PUBLISHED
    is_current = False
    definition = factory.LazyFunction(lambda: shipped_definition().data)


def london(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime(year, month, day, hour, minute), timezone.get_default_timezone()
    )


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collection

    planning_round = factory.SubFactory(PlanningRoundFactory)
    code = factory.Sequence(lambda n: f"COL{n}")
    name = factory.Sequence(lambda n: f"Collection {n}")
    stage = Stage.SINGLE
    deadline = factory.LazyFunction(lambda: london(2021, 5, 6))
    submitted_by = factory.LazyFunction(lambda: [OrganisationType.ICS])
    accepted_formats = factory.LazyFunction(lambda: ["xlsx"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nhs.uk")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(
    user: User, role: str, *, organisation: Organisation | None = None, region: Region | None = None
) -> User:
    RoleAssignment.objects.get_or_create(
        user=user, role=role, organisation=organisation, region=region
    )
    if hasattr(user, "_portal_user_scope"):
        del user._portal_user_scope
    return user


def user_with_role(
    role: str, *, organisation: Organisation | None = None, region: Region | None = None, **kwargs
) -> User:
    return grant(UserFactory(**kwargs), role, organisation=organisation, region=region)


def api_token(user: User) -> str:
    """A new API token's secret for the user, made as the token endpoint makes it."""
    return AuthToken.objects.create(user=user)[1]


PASSWORD = "correct-horse-battery"
__all__ = ["Role", "PASSWORD"]


class LmsFactory(TrustFactory):
    ods_code = factory.LazyAttribute(lambda o: f"{o.parent_ics.ods_code}-LMS")
    name = factory.Sequence(lambda n: f"Test LMNS {n}")
    org_type = OrganisationType.LMS
    trust_kind = ""


class CancerAllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)
        skip_postgeneration_save = True

    ods_code = factory.Sequence(lambda n: f"E56{n:06d}")
    name = factory.Sequence(lambda n: f"Test Cancer Alliance {n}")
    org_type = OrganisationType.CANCER_ALLIANCE
    region = factory.SubFactory(RegionFactory)

    @factory.post_generation
    def covered_icss(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.covered_icss.set(extracted)


class DeadlineExtensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeadlineExtension

    collection = factory.SubFactory(CollectionFactory)
    organisation = factory.SubFactory(IcsFactory)
    deadline = factory.LazyAttribute(lambda o: o.collection.deadline + dt.timedelta(days=7))
    reason = "Board meeting moved"
    granted_by = factory.SubFactory(UserFactory)


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    collection = factory.SubFactory(CollectionFactory)
    organisation = factory.SubFactory(IcsFactory)
    status = SubmissionStatus.NOT_STARTED
