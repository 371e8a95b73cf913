"""Demo data of the orders domain."""


def load(session) -> str:
    return "orders: nothing yet"
