"""Argument checks shared by the model constructors (Keras-style messages)."""


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Expected `{name}` to be a positive int. Received: {name}={value!r}")
    return value


def check_units(name, value):
    """Accepts a list/tuple of positive ints (possibly empty) and returns a tuple."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (list, tuple)):
        raise ValueError(
            f"Expected `{name}` to be a list of positive ints. Received: {name}={value!r}"
        )
    for units in value:
        check_positive_int(f"{name}[...]", units)
    return tuple(int(units) for units in value)


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"Expected `{name}` to be one of {tuple(choices)}. Received: {name}={value!r}"
        )
    return value
