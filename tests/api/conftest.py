from tests.submissions.conftest import act_world  # noqa: F401 - the same world of returns
