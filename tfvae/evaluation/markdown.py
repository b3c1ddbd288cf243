"""Plain Markdown tables for reports and benchmark results."""


def _cell(value, digits):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value).replace("|", "\\|")


def markdown_table(header, rows, digits=3):
    """Formats rows as a GitHub Markdown table.

    Args:
        header: list of str. Column titles.
        rows: list of lists, each as long as `header`. Floats get `digits`
            decimals, None prints as an en dash.
        digits: int. Decimals of float cells.

    Returns:
        The table as a str (no trailing newline).

    Example:
    ```python
    markdown_table(["data", "AUROC"], [["thyroid", 0.9512]])
    ```
    """
    for index, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(
                f"Row {index} has {len(row)} cells but the header has {len(header)}: {row!r}"
            )
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v, digits) for v in row) + " |" for row in rows]
    return "\n".join(lines)
