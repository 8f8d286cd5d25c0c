"""The one exception type that ``viz`` raises for problems a user can fix."""


class ConvScopeError(ValueError):
    """A problem with the user's input, worded for the user.

    The message says what was wrong and what to do; pages show it with
    ``st.error`` instead of a traceback.
    """


def quoted(text: object, limit: int = 24) -> str:
    """Something the user typed or linked, safe to put in a message shown as Markdown.

    Cut to `limit` characters and put in a code span, so a link, an image or HTML in it is
    shown as plain characters and never rendered, fetched or followed.
    """
    flat = " ".join(str(text).split()).replace("`", "'")
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return f"`{flat}`" if flat else "`(blank)`"
