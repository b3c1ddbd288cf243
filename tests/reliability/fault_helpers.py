"""Checks shared by the fault suite."""


def snapshot(folder):
    """Every file under `folder` (relative path -> bytes), to compare before and after."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def no_control_characters(text):
    """True if `text` holds no terminal control character (ESC, BEL, CR...) but newlines."""
    return all(c.isprintable() or c == "\n" for c in text)
