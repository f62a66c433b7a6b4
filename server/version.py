"""Parley's version, as `parley --version`, the front page and the startup line show it."""

import tomllib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version

from server.settings import PROJECT_ROOT


def version() -> str:
    """The installed version, or the checkout's (pyproject.toml) where it runs uninstalled."""
    try:
        return installed_version("parley")
    except PackageNotFoundError:
        with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
            found: str = tomllib.load(file)["project"]["version"]
            return found
