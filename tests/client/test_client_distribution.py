"""The installed `extractd-client` stays light, and knows every error code the server can answer."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

from extractd_client import errors

from extractd.api.errors import _STATUS_BY_CODE

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^[A-Za-z0-9._-]+")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def base_requirements(distribution: str) -> set[str]:
    """What installing ``distribution`` pulls in (no extras), found through the installed metadata."""
    try:
        listed = requires(distribution) or []
    except PackageNotFoundError:
        return set()
    return {normalise(NAME.match(line).group(0)) for line in listed if "extra ==" not in line}  # type: ignore[union-attr]


def closure(distribution: str) -> set[str]:
    seen: set[str] = set()
    todo = [distribution]
    while todo:
        for name in base_requirements(todo.pop()) - seen:
            seen.add(name)
            todo.append(name)
    return seen


def test_the_client_requires_httpx_and_standardwebhooks_only() -> None:
    assert base_requirements("extractd-client") == {"httpx", "standardwebhooks"}


def test_installing_the_client_pulls_in_nothing_of_the_engine() -> None:
    engine = {
        normalise(NAME.match(line).group(0))  # type: ignore[union-attr]
        for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    pulled_in = closure("extractd-client")
    assert "httpx" in pulled_in  # the metadata walk works
    # httpx and standardwebhooks are the two the engine shares with the client; nothing else of it.
    assert pulled_in & engine == {"httpx", "standardwebhooks"}
    assert not {"onnxruntime", "rapidocr", "pypdfium2", "numpy", "sqlalchemy", "fastapi"} & pulled_in


def test_every_server_error_code_has_its_class_and_status() -> None:
    for code, status in _STATUS_BY_CODE.items():
        cls = errors.error_class(code, status)
        assert cls.code == code, f"{code} has no class of its own in extractd_client.errors"
        assert errors.error_class(None, status) in cls.__mro__ or status not in errors._BY_STATUS, code


def test_the_client_package_is_typed() -> None:
    assert (ROOT / "clients/python/src/extractd_client/py.typed").exists()
