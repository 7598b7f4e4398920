"""Errors that the CLI turns into a one-paragraph message instead of a traceback.

Every error a user can cause (bad scenario, missing data, infeasible guidance problem,
epoch outside an ephemeris) derives from :class:`LunapoleError`.
"""


class LunapoleError(Exception):
    """Base class: the message must say what was wrong, where, and how to fix it."""


class DataError(LunapoleError):
    """A data file is missing, malformed or of an unsupported kind (names the file and line)."""


class ScenarioError(LunapoleError):
    """A scenario file or override is invalid (names the file, the field and what is allowed)."""


class EphemerisCoverageError(LunapoleError):
    """An epoch lies outside the span covered by the loaded SPICE kernels."""


class InfeasibleError(LunapoleError):
    """A guidance or targeting problem has no solution (names the constraint and by how much)."""
