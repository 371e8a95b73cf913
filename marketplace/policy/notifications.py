"""Who may do what in the notifications domain: each user manages only their own."""

from marketplace.policy.core import rule


@rule("notification.read")
def read_notification(user, notification) -> bool:
    return user is not None and notification is not None and notification.user_id == user.id


@rule("notification.manage_preferences")
def manage_preferences(user, _obj) -> bool:
    return user is not None


@rule("notification.subscribe")
def subscribe(user, _obj) -> bool:
    return user is not None


@rule("notification.unsubscribe")
def unsubscribe(user, subscription) -> bool:
    return user is not None and subscription is not None and subscription.user_id == user.id
