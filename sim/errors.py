"""The one exception a user is meant to see: bad input, reported as file, field and allowed values."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """A scenario, roster or override that cannot be used. The CLI prints it and exits with code 2."""

    def __init__(self, source: str | Path, problems: list[str] | str):
        self.source = str(source)
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        """One line per problem, each naming the file, so every line stands alone (grep, logs)."""
        return "\n".join(f"{self.source}: {p}" for p in self.problems)
