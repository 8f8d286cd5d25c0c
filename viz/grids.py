"""Grids of numbers typed by people: in an editor (rows on lines) or in a link (rows split by ';').

Kernels and typed inputs share these rules: values separated by spaces or commas,
fractions such as 1/9, the typographic minus (−); blanks, words, NaN and infinity
are refused with a message naming the cell. Link text uses ',' between values,
';' between rows and '|' between channels, and round-trips float32 values exactly.
"""

from __future__ import annotations

import numpy as np

from viz.errors import ConvScopeError, quoted

MAX_VALUE = 1e6


def parse_cells(
    cells: list[list[object]], what: str = "Kernel", max_rows: int = 11, max_cols: int | None = None
) -> np.ndarray:
    """A rectangular grid of numbers -> (H, W) float32, or a ConvScopeError naming the bad cell.

    Accepts numbers and numeric strings ("0.5", "-1", "1/9"); rows and columns count from 1.
    """
    max_cols = max_rows if max_cols is None else max_cols
    rows = len(cells)
    if rows == 0 or rows > max_rows:
        raise ConvScopeError(f"A {what.lower()} needs 1 to {max_rows} rows; this one has {rows}.")
    width = len(cells[0])
    if width == 0 or width > max_cols:
        raise ConvScopeError(f"A {what.lower()} needs 1 to {max_cols} numbers per row; row 1 has {width}.")
    out = np.zeros((rows, width), dtype=np.float32)
    for r, row in enumerate(cells):
        if len(row) != width:
            raise ConvScopeError(
                f"Every row of the {what.lower()} needs the same number of values: row {r + 1} has {len(row)}, "
                f"row 1 has {width}."
            )
        for c, cell in enumerate(row):
            out[r, c] = parse_value(cell, f"{what} cell at row {r + 1}, column {c + 1}")
    return out


def parse_value(cell: object, where: str) -> float:
    """One typed number ('0.5', '-1', '1/9', '−2'), or a ConvScopeError saying what is wrong with it."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise ConvScopeError(f"{where} is empty: type a number such as 0, 1 or -0.5.")
    try:
        if isinstance(cell, str):
            cell = cell.strip().replace("−", "-")
        if isinstance(cell, str) and "/" in cell:
            num, den = cell.split("/", 1)
            value = float(num) / float(den)
        else:
            value = float(cell)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        raise ConvScopeError(
            f"{where} is {quoted(cell)}, which is not a number: type a number such as 0, 1 or -0.5."
        ) from None
    if not np.isfinite(value):
        raise ConvScopeError(f"{where} is {quoted(cell)}: NaN and infinity cannot be used, type an ordinary number.")
    if abs(value) > MAX_VALUE:
        raise ConvScopeError(f"{where} is {value:g}: keep values within ±1,000,000.")
    return value


def split_text(text: str) -> list[list[str]]:
    """Editor text: one row per line, values separated by spaces, commas or semicolons."""
    lines = [line for line in text.replace("−", "-").splitlines() if line.strip()]
    return [line.replace(",", " ").replace(";", " ").split() for line in lines]


def format_value(value: float) -> str:
    """The shortest text that reads back as the same float32 ('3', '0.5', '0.333333343')."""
    value = float(np.float32(value))
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if np.float32(float(text)) == np.float32(value):
            return text
    return f"{value:.9g}"


def format_text(grid: np.ndarray) -> str:
    """(H, W) -> aligned editor text that parses back to the same float32 values."""
    tokens = [[format_value(v) for v in row] for row in np.asarray(grid, dtype=np.float32)]
    width = max(len(t) for row in tokens for t in row)
    return "\n".join("  ".join(t.rjust(width) for t in row) for row in tokens)


def parse_link_grid(raw: str, what: str, max_side: int, max_channels: int) -> np.ndarray:
    """Link text 'a,b;c,d|e,f;g,h' -> (C, H, W) float32: channels by '|', rows by ';', values by ','."""
    pieces = raw.split("|")
    if len(pieces) > max_channels:
        raise ConvScopeError(f"A {what.lower()} has at most {max_channels} channels; this one has {len(pieces)}.")
    grids = [parse_cells([row.split(",") for row in piece.split(";")], what, max_side, max_side) for piece in pieces]
    if len({g.shape for g in grids}) > 1:
        raise ConvScopeError(f"Every channel of the {what.lower()} must have the same number of rows and columns.")
    return np.stack(grids)


def format_link_grid(grids: np.ndarray) -> str:
    """(C, H, W) -> 'a,b;c,d|…', exactly as parse_link_grid reads it back."""
    return "|".join(";".join(",".join(format_value(v) for v in row) for row in grid) for grid in grids)
