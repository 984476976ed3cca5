"""Argument checks shared by the ``utils`` modules, with error messages a student can act on."""

from __future__ import annotations

import numbers


def positive_int(value, name: str, *, allow_none: bool = False, what: str = "") -> int | None:
    """Return ``value`` as an ``int`` if it is a positive whole number (NumPy integers too).

    Args:
        value: the argument to check.
        name: its name, as the caller wrote it (for the message).
        allow_none: accept None (and return it), e.g. for "all of them".
        what: optional words for the message, e.g. ``"number of epochs"``.

    Raises:
        ValueError: for a bool, a float, a string, zero or a negative number (or None when not allowed).
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        kind = f"a positive integer{f' {what}' if what else ''}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {kind}, got {value!r}.")
    return int(value)
