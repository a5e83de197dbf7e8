from reviews.models import Decision, DecisionKind


def test_decision_is_approval_and_is_reopening_follow_its_kind():
    answers = {
        kind: (Decision(kind=kind).is_approval, Decision(kind=kind).is_reopening)
        for kind in DecisionKind.values
    }

    assert answers == {
        "approve": (True, False),
        "request_changes": (False, False),
        "comment": (False, False),
        "reopen": (False, True),
    }
