from tests.submissions.conftest import world  # noqa: F401 - the same world of returns
