"""Demo data of the evaluation domain."""


def load(session) -> str:
    return "evaluation: nothing yet"
