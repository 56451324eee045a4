"""Errors a user can act on. Every message is one line: where (file, row, column), what, and what to do."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in an input file.

    ``row`` is the spreadsheet row number (the header is row 1, the first data row is row 2); 0 means the whole file.
    """

    file: str
    row: int
    column: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file
        if self.row:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}; {self.fix}"


class InputError(ValueError):
    """Bad input: carries one or more problems, each printed on one line."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InfeasibleQuotasError(ValueError):
    """No panel meets every quota. ``suggestions`` holds the smallest relaxation found.

    Each suggestion is a tuple (feature, value, old_min, old_max, new_min, new_max) for quotas that must change.
    """

    def __init__(self, message: str, suggestions: list[tuple[str, str, int, int, int, int]]):
        self.suggestions = suggestions
        super().__init__(message)
