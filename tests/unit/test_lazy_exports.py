"""The service packages re-export their rooms' names lazily, and say the same in both places."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys

import pytest

LAZY = ("privdesk.services.requests", "privdesk.services.breaches")


def _type_checking_imports(package: str) -> dict[str, list[str]]:
    """{room: names} from the package's ``if TYPE_CHECKING:`` block."""
    tree = ast.parse(inspect.getsource(importlib.import_module(package)))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    out: dict[str, list[str]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(package + ".")
        out.setdefault(node.module.rsplit(".", 1)[1], []).extend(a.asname or a.name for a in node.names)
    return out


@pytest.mark.parametrize("package", LAZY)
def test_the_table_names_what_the_type_checking_block_imports(package: str) -> None:
    pkg = importlib.import_module(package)
    rooms = {room: sorted(names) for room, names in pkg._ROOMS.items()}
    assert rooms == {room: sorted(names) for room, names in _type_checking_imports(package).items()}
    public = {name for names in rooms.values() for name in names if not name.startswith("_")}
    assert set(pkg.__all__) == public


@pytest.mark.parametrize("package", LAZY)
def test_every_name_is_the_rooms_own_object(package: str) -> None:
    pkg = importlib.import_module(package)
    for room, names in pkg._ROOMS.items():
        module = importlib.import_module(f"{package}.{room}")
        for name in names:
            assert getattr(pkg, name) is getattr(module, name), f"{package}.{name}"
    assert set(pkg.__all__) <= set(dir(pkg))
    with pytest.raises(AttributeError, match="has no attribute 'no_such_service'"):
        pkg.no_such_service  # noqa: B018
    from privdesk.services.requests import extend  # the example keeps working

    assert callable(extend)


def test_importing_a_package_loads_only_the_rooms_used() -> None:
    probe = ("import sys\nfrom privdesk.services import requests as svc\nsvc.RequestQuery\n"
             "print(sorted(m for m in sys.modules if m.startswith('privdesk.services.requests.')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    loaded = set(ast.literal_eval(out.stdout.strip()))
    assert "privdesk.services.requests.values" in loaded
    assert not loaded & {"privdesk.services.requests.bulk", "privdesk.services.requests.export",
                         "privdesk.services.requests.duplicates", "privdesk.services.requests.workflow"}
