"""A small, complete world for permission and selector tests: two regions with one system each."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Role, User
from planning.models import Collection, Organisation, PlanningRound, Region, TrustKind
from tests.factories import (
    CancerAllianceFactory,
    CcgFactory,
    CollectionFactory,
    IcsFactory,
    LmsFactory,
    PlanningRoundFactory,
    RegionFactory,
    TrustFactory,
    UserFactory,
    user_with_role,
)

ROLES = ("submitter", "signatory", "system_lead", "regional_reviewer", "national_admin")


@dataclass
class World:
    region_a: Region
    region_b: Region
    ics_a: Organisation
    ics_b: Organisation
    trust_a: Organisation
    trust_b: Organisation
    ccg_a: Organisation
    ccg_b: Organisation
    lms_a: Organisation
    lms_b: Organisation
    alliance_a: Organisation
    planning_round: PlanningRound
    other_round: PlanningRound
    collection: Collection
    users_a: dict[str, User]
    users_b: dict[str, User]
    no_role_user: User

    def user(self, role: str, side: str = "a") -> User:
        return (self.users_a if side == "a" else self.users_b)[role]


def _users(side: str, *, trust: Organisation, ics: Organisation, region: Region) -> dict[str, User]:
    return {
        "submitter": user_with_role(
            Role.SUBMITTER, organisation=trust, username=f"submitter-{side}"
        ),
        "signatory": user_with_role(
            Role.SIGNATORY, organisation=trust, username=f"signatory-{side}"
        ),
        "system_lead": user_with_role(Role.SYSTEM_LEAD, organisation=ics, username=f"lead-{side}"),
        "regional_reviewer": user_with_role(
            Role.REGIONAL_REVIEWER, region=region, username=f"reviewer-{side}"
        ),
        "national_admin": user_with_role(Role.NATIONAL_ADMIN, username=f"admin-{side}"),
    }


def build_world() -> World:
    region_a = RegionFactory(code="YA1", name="Region Alpha")
    region_b = RegionFactory(code="YB2", name="Region Beta")
    ics_a = IcsFactory(ods_code="QAA", name="Alpha ICS", region=region_a)
    ics_b = IcsFactory(ods_code="QBB", name="Beta ICS", region=region_b)
    trust_a = TrustFactory(ods_code="RA1", name="Alpha Acute NHS Trust", parent_ics=ics_a)
    trust_b = TrustFactory(ods_code="RB1", name="Beta Acute NHS Trust", parent_ics=ics_b)
    ccg_a = CcgFactory(ods_code="CA1", name="NHS Alpha CCG", parent_ics=ics_a)
    ccg_b = CcgFactory(ods_code="CB1", name="NHS Beta CCG", parent_ics=ics_b)
    lms_a = LmsFactory(parent_ics=ics_a, name="Alpha LMNS")
    lms_b = LmsFactory(parent_ics=ics_b, name="Beta LMNS")
    alliance_a = CancerAllianceFactory(
        ods_code="E56000001", name="Alpha Cancer Alliance", region=region_a, covered_icss=[ics_a]
    )
    planning_round = PlanningRoundFactory(name="2021/22", is_current=True)
    other_round = PlanningRoundFactory(name="2020/21")
    collection = CollectionFactory(planning_round=planning_round, code="ACT")
    TrustFactory(
        ods_code="RA2",
        name="Alpha Mental Health NHS Trust",
        parent_ics=ics_a,
        trust_kind=TrustKind.MENTAL_HEALTH,
    )
    return World(
        region_a=region_a,
        region_b=region_b,
        ics_a=ics_a,
        ics_b=ics_b,
        trust_a=trust_a,
        trust_b=trust_b,
        ccg_a=ccg_a,
        ccg_b=ccg_b,
        lms_a=lms_a,
        lms_b=lms_b,
        alliance_a=alliance_a,
        planning_round=planning_round,
        other_round=other_round,
        collection=collection,
        users_a=_users("a", trust=trust_a, ics=ics_a, region=region_a),
        users_b=_users("b", trust=trust_b, ics=ics_b, region=region_b),
        no_role_user=UserFactory(username="nobody"),
    )
