from functools import cache

from accounts.selectors import role_assignments_for_user
from notifications.selectors import unread_count


def portal(request):
    """The signed-in user's roles and unread notification count for the header; one query each,
    made lazily (only if the page shows them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_role_assignments": lambda: list(role_assignments_for_user(user=user)),
        # Cached: the header and the notifications page both show it, and it costs one query.
        "unread_notification_count": cache(lambda: unread_count(user=user)),
    }
