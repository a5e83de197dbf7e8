import pytest
from django.db import IntegrityError, transaction

from extensions.models import ExtensionRequest, ExtensionStatus
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


def test_extension_request_is_pending_until_its_region_answers_and_decided_once_it_has():
    requests = [ExtensionRequest(status=status) for status in ExtensionStatus.values]

    assert [(r.status, r.is_pending, r.is_decided) for r in requests] == [
        ("pending", True, False),
        ("granted", False, True),
        ("refused", False, True),
        ("withdrawn", False, False),
    ]
