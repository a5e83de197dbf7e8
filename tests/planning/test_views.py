from __future__ import annotations

from accounts.models import Role
from tests.factories import IcsFactory, RegionFactory, TrustFactory, user_with_role


def test_region_page_lists_forty_organisations_a_page(client, db):
    region = RegionFactory(code="Y63", name="North East and Yorkshire")
    ics = IcsFactory(ods_code="QHM", region=region)
    for number in range(54):
        TrustFactory(ods_code=f"R{number:03d}", parent_ics=ics, region=region)
    client.force_login(user_with_role(Role.REGIONAL_REVIEWER, region=region))

    first = client.get("/regions/Y63/")
    second = client.get("/regions/Y63/?page=2")

    assert (len(first.context["rows"]), len(second.context["rows"])) == (40, 15)
    assert "Showing 41 to 55 of 55 organisations." in second.content.decode()
    assert 'href="?page=1"' in second.content.decode()
