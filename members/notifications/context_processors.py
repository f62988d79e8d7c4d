from .selectors import unread_notification_count


def inbox(request):
    """The unread count shown in the header on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": unread_notification_count(user)}
