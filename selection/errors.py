"""Errors a user can act on. Every message is one line: where (file, row, column), what, and what to do.

:class:`UserError` is the one base class of every error caused by the user's input or choices (bad files, infeasible
quotas, an unusable audit bundle, an invalid scenario); programs catch it once and print ``problems``, one per line.
Library messages never name command-line flags: a problem about a call's parameter names the parameter
(``Problem.parameter``, e.g. ``"size"``) and the command line translates it into its flag.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in an input file or parameter.

    ``row`` is the spreadsheet row number (the header is row 1, the first data row is row 2); 0 means the whole file.
    ``parameter`` names the call parameter at fault (``file`` is then empty).
    """

    file: str
    row: int
    column: str
    message: str
    fix: str
    parameter: str = ""

    def __str__(self) -> str:
        return self.describe()

    def describe(self, parameter_names: dict[str, str] | None = None) -> str:
        """The one-line message; ``parameter_names`` maps a parameter to the name a user knows it by (a flag)."""
        where = self.file
        if self.parameter:
            flag = (parameter_names or {}).get(self.parameter, self.parameter)
            where = f"{self.file} ({flag})" if self.file else flag
        if self.row:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}; {self.fix}"


class UserError(ValueError):
    """Base of every error the user can fix. ``problems``: the :class:`Problem` list (may be empty, then the
    message stands alone)."""

    def __init__(self, message: str = "", problems: list[Problem] | None = None):
        self.problems = list(problems or [])
        super().__init__(message or "\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # picklable whatever the subclass's __init__ takes (errors cross process boundaries in the CLI and sweeps)
        return _rebuild, (type(self), str(self), dict(self.__dict__))

    def lines(self, parameter_names: dict[str, str] | None = None) -> list[str]:
        """One line per problem (or the message's lines), parameters renamed by ``parameter_names``."""
        if self.problems:
            return [p.describe(parameter_names) for p in self.problems]
        return str(self).splitlines() or [type(self).__name__]


def _rebuild(cls: type, message: str, state: dict) -> UserError:
    err = cls.__new__(cls)
    ValueError.__init__(err, message)
    err.__dict__.update(state)
    return err


class InputError(UserError):
    """Bad input: carries one or more problems, each printed on one line."""

    def __init__(self, problems: list[Problem] | Problem):
        super().__init__(problems=[problems] if isinstance(problems, Problem) else list(problems))


class InfeasibleQuotasError(UserError):
    """No panel meets every quota. ``suggestions`` holds the smallest relaxation found.

    Each suggestion is a tuple (feature, value, old_min, old_max, new_min, new_max) for quotas that must change.
    """

    def __init__(self, message: str, suggestions: list[tuple[str, str, int, int, int, int]]):
        self.suggestions = suggestions
        super().__init__(message)


class BundleError(UserError):
    """An audit bundle cannot be used: unreadable, from a newer format, incomplete, or edited (checksum)."""


class DrawError(UserError):
    """A step of the public draw cannot be taken as asked (already drawn, not drawn yet, an id not on the panel)."""
