from accounts.selectors import role_assignments_for_user


def portal(request):
    """The signed-in user's roles for the header; one query, made lazily."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_role_assignments": lambda: list(role_assignments_for_user(user=user))}
