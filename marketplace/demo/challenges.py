"""Demo data of the challenges domain."""


def load(session) -> str:
    return "challenges: nothing yet"
