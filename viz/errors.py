"""The one exception type that ``viz`` raises for problems a user can fix."""


class ConvScopeError(ValueError):
    """A problem with the user's input, worded for the user.

    The message says what was wrong and what to do; pages show it with
    ``st.error`` instead of a traceback.
    """
