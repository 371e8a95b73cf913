"""Demo data of the submissions domain."""


def load(session) -> str:
    return "submissions: nothing yet"
