"""Who may do what in the transparency domain."""

from marketplace.policy.core import rule

# --- dashboard., opendata., api., live. (the transparency engineer) ------------------------
# Everything these show is public by construction (see marketplace/opendata/visibility.py):
# anyone, logged in or not, may read it.


@rule("dashboard.view")
def view_dashboard(user, _obj=None) -> bool:
    return True


@rule("opendata.download")
def download_open_data(user, _obj=None) -> bool:
    return True


@rule("api.read")
def read_api(user, _obj=None) -> bool:
    return True


@rule("live.version")
def follow_live_version(user, _obj=None) -> bool:
    """The public data version that pages poll (marketplace/live.py): public by nature."""
    return True
