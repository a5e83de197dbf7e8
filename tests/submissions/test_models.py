from submissions.models import ProductStatus, SubmissionStatus, VersionStatus


def test_submission_status_groups_name_their_statuses():
    assert {
        "OPEN": SubmissionStatus.OPEN,
        "DONE": SubmissionStatus.DONE,
        "REACHED_REGION": SubmissionStatus.REACHED_REGION,
        "DECIDED": SubmissionStatus.DECIDED,
    } == {
        "OPEN": {"not_started", "uploaded", "validating", "invalid", "valid", "changes_requested"},
        "DONE": {"submitted", "approved"},
        "REACHED_REGION": {"submitted", "approved", "changes_requested"},
        "DECIDED": {"approved", "changes_requested"},
    }


def test_submission_status_groups_are_not_choices():
    assert SubmissionStatus.values == [
        "not_started",
        "uploaded",
        "validating",
        "invalid",
        "valid",
        "submitted",
        "approved",
        "changes_requested",
    ]


def test_version_and_product_status_groups_name_their_statuses():
    assert (VersionStatus.CHECKED, VersionStatus.FINISHED, ProductStatus.FINISHED) == (
        {"valid", "invalid"},
        {"valid", "invalid", "rejected", "failed"},
        {"done", "failed"},
    )
