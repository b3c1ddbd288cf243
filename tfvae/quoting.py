"""Input quoted in messages: control characters escaped, long values cut.

Messages quote what users (or files) give: a bad CSV field, a config value, a path.
Quoted raw, such text can drive the terminal (ESC sequences set the window title or
clear the screen) and a huge value makes a huge message (or a long `repr` of a
YAML alias bomb). Every message that quotes input goes through `quote` (values, as
`repr` shows them) or `clean` (free text such as a path), and the CLI cleans each
message it prints.
"""

import reprlib

#: Characters of a quoted value or path kept in a message (the middle is cut).
LIMIT = 120

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = LIMIT
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 8


def _cut(text, limit):
    if limit is None or len(text) <= limit:
        return text
    head = max(limit - 3, 2) // 2
    return f"{text[:head]}...{text[len(text) - head :]}"


def clean(text, limit=LIMIT):
    """`text` with every non-printable character escaped (`\\x1b`, `\\n`), cut to `limit`.

    Args:
        text: str (or anything, converted with `str`). A path, a field, a message.
        limit: int or None. Characters kept (the middle of longer text is cut).

    Returns:
        str, safe to print on a terminal on one line.

    Example:
    ```python
    clean("a\\x1b[2Jb")  # 'a\\\\x1b[2Jb'
    ```
    """
    text = text if isinstance(text, str) else str(text)
    if limit is not None and len(text) > 4 * limit:
        # Escape only the ends that can be shown (a bad line may hold a million characters);
        # each end keeps at least `limit` characters, so the result is the same.
        text = _cut(text, 4 * limit)
    if not text.isprintable():
        text = "".join(
            c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode()
            for c in text
        )
    return _cut(text, limit)


def quote(value, limit=LIMIT):
    """A bounded `repr` of `value` for "Received: x=..." messages.

    Strings show quoted with their control characters escaped (as `repr` does);
    containers show their first items and levels only, so a value expanded from
    YAML aliases costs no more than a small one.

    Args:
        value: anything.
        limit: int. Characters kept.

    Returns:
        str.

    Example:
    ```python
    quote("big")  # "'big'"
    quote(list(range(10**6)))  # '[0, 1, 2, 3, 4, 5, 6, 7, ...]'
    ```
    """
    return clean(_REPR.repr(value), limit)
