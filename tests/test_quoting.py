from tfvae import quoting
from tfvae.quoting import clean, quote


def test_a_long_text_shows_its_ends_escaped_and_cut():
    text = "\x1b[2J" + "a" * 1_000_000 + "\u202e\x07"
    shown = clean(text, limit=50)
    # What escaping the whole text, then cutting its middle, gives.
    escaped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    assert shown == quoting._cut(escaped, 50)
    assert shown.startswith("\\x1b[2Jaaa") and shown.endswith("aaa\\u202e\\x07")
    assert len(shown) <= 50 and clean(text, limit=None) == escaped


def test_quote_is_a_bounded_repr():
    assert quote("\x1b]0;x\x07") == "'\\x1b]0;x\\x07'"
    assert len(quote("z" * 1_000_000)) <= quoting.LIMIT
    assert quote(list(range(10**6))).startswith("[0, 1, 2")
