"""Reading the hub's TOML policy files: the packaged copy in ``policies/``, or a local file
named in the settings. Every failure is a SettingsError naming the file and what is wrong."""

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from hub.settings import SettingsError


def packaged_toml(name: str) -> dict[str, Any]:
    """The packaged ``policies/<name>.toml``."""
    return read_toml(None, name)


def read_toml(path: Path | None, name: str) -> dict[str, Any]:
    """The local file at ``path``, or (None) the packaged ``policies/<name>.toml``."""
    try:
        text = (path.read_text() if path is not None
                else files("policies").joinpath(f"{name}.toml").read_text())
        return tomllib.loads(text)
    except OSError as error:
        raise SettingsError(f"cannot read the {name} file ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"the {name} file is not valid TOML ({error})") from None


def overlaid(packaged: dict[str, Any], local: dict[str, Any], depth: int = 2) -> dict[str, Any]:
    """The packaged values with a local file's over them, table by table to ``depth`` levels
    (a table deeper than that, such as one RAG colour's clock, is replaced whole)."""
    merged = dict(packaged)
    for key, value in local.items():
        base = merged.get(key)
        merged[key] = (overlaid(base, value, depth - 1)
                       if depth > 0 and isinstance(base, dict) and isinstance(value, dict)
                       else value)
    return merged
