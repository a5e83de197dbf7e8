import pytest
from django.db import IntegrityError, transaction

from extensions.models import ExtensionStatus
from tests.factories import DeadlineExtensionFactory

pytestmark = pytest.mark.django_db


def test_deadline_extension_one_per_collection_and_organisation():
    extension = DeadlineExtensionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineExtensionFactory(
            collection=extension.collection,
            organisation=extension.organisation,
            granted_by=extension.granted_by,
        )


def test_deadline_extension_needs_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineExtensionFactory(reason="")


def test_extension_status_decided_names_granted_and_refused():
    assert (ExtensionStatus.DECIDED, ExtensionStatus.values) == (
        {"granted", "refused"},
        ["pending", "granted", "refused", "withdrawn"],
    )
