"""A wrong key of a scenario, with the path that names it (`loads[0].mode`)."""

from __future__ import annotations

Path = tuple[str | int, ...]


class Problem(Exception):
    """A key of the scenario is wrong; `path` says which."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def format_path(path: Path) -> str:
    """('loads', 0, 'mode') -> 'loads[0].mode'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
