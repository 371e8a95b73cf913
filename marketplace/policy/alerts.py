"""Who may do what with alerts (follows) and feeds.

Anyone may follow a public thing: a user in their account, a visitor by email (then
only the emailed link confirms it). Each user sees and stops only their own follows;
an emailed unsubscribe link stops the follows it names for whoever holds it (the view
checks its signature, then the system takes the step). Feeds are public."""

from marketplace.policy.core import rule


@rule("follow.create")
def create(user, _obj) -> bool:
    return True


@rule("follow.manage")
def manage(user, _obj) -> bool:
    """The list of one's own follows."""
    return user is not None


@rule("follow.know")
def know(user, follow) -> bool:
    return user is not None and follow is not None and follow.user_id == user.id


@rule("follow.stop")
def stop(user, follow) -> bool:
    return know(user, follow)


@rule("follow.confirm")
def confirm(user, follow) -> bool:
    """Nobody by a button: only the emailed link confirms (the system's step)."""
    return False


@rule("feed.view")
def view_feed(user, _obj) -> bool:
    return True
