"""`make contracts` catches what it is for: each check is run on a small project that breaks it.

The project's own contracts run in `make lint`; here the checkers themselves are tested, so a
check that silently passes (a misspelt contract type, a cycle search that finds nothing, a size
check that reads no file) fails a test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

CONTRACTS = """
[tool.importlinter]
root_packages = ["shop"]
include_external_packages = true
contract_types = [
    "forbidden_by_any_path: scripts.import_contracts.ForbiddenByAnyPathContract",
    "no_cycles: scripts.import_contracts.NoCyclesContract",
]

[[tool.importlinter.contracts]]
name = "core imports no web"
type = "forbidden_by_any_path"
source_modules = ["shop.core"]
forbidden_modules = ["shop.web"]
{core_ignores}

[[tool.importlinter.contracts]]
name = "no cycles in shop"
type = "no_cycles"
packages = ["shop"]
{cycle_ignores}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def lint_imports(root: Path, core_ignores: str = "", cycle_ignores: str = "") -> tuple[int, str]:
    config = CONTRACTS.format(core_ignores=core_ignores, cycle_ignores=cycle_ignores)
    (root / "pyproject.toml").write_text(config)
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=root,  # lint-imports finds the project's packages from its working directory
        env={**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.returncode, run.stdout + run.stderr


GOOD_SHOP = {
    "shop/__init__.py": "",
    "shop/core/__init__.py": "",
    "shop/core/prices.py": "from shop.core import tax\n",
    "shop/core/tax.py": "RATE = 5\n",
    "shop/web/__init__.py": "",
    "shop/web/pages.py": "from shop.core import prices\n",
}


def test_a_project_that_keeps_its_contracts_passes(tmp_path):
    write(tmp_path, GOOD_SHOP)
    code, out = lint_imports(tmp_path)
    assert code == 0, out
    assert "2 kept, 0 broken" in out


def test_a_cycle_through_a_function_local_import_breaks_the_build(tmp_path):
    write(
        tmp_path,
        {
            **GOOD_SHOP,
            "shop/web/pages.py": "from shop.web import menu\n",
            "shop/web/menu.py": "def back():\n    from shop.web import pages\n    return pages\n",
        },
    )
    code, out = lint_imports(tmp_path)
    assert code == 1
    assert "no cycles in shop BROKEN" in out
    assert "2 modules import each other in a circle: shop.web.menu, shop.web.pages" in out
    assert "shop.web.menu -> shop.web.pages (line 2)" in out


def test_a_cycle_of_three_modules_in_different_subpackages_is_found(tmp_path):
    write(
        tmp_path,
        {
            **GOOD_SHOP,
            "shop/core/tax.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import shop.web.pages\n",
        },
    )
    code, out = lint_imports(tmp_path)
    assert code == 1
    assert "3 modules import each other in a circle" in out
    assert "shop.core.prices, shop.core.tax, shop.web.pages" in out


def test_a_lower_layer_naming_a_higher_module_in_a_string_breaks_the_layer_contract(tmp_path):
    write(
        tmp_path,
        {
            **GOOD_SHOP,
            "shop/core/tax.py": (
                "import importlib\n\nPLUGINS = ('shop.web.pages',)\n\n"
                "def load():\n    return [importlib.import_module(p) for p in PLUGINS]\n"
            ),
        },
    )
    code, out = lint_imports(tmp_path)
    assert code == 1
    assert "core imports no web BROKEN" in out
    assert "shop.core.tax -> shop.web.pages (l.3)" in out
    assert "no cycles in shop BROKEN" in out  # pages -> prices -> tax -> (by name) pages


def test_a_listed_exception_excuses_its_import_and_must_go_when_the_import_does(tmp_path):
    write(tmp_path, {**GOOD_SHOP, "shop/core/tax.py": "from shop.web import pages\n"})
    excuse = 'ignore_imports = ["shop.core.tax -> shop.web.pages"]'
    code, out = lint_imports(tmp_path, core_ignores=excuse, cycle_ignores=excuse)
    assert code == 0, out

    write(tmp_path, GOOD_SHOP)  # the import is gone, its exception is still listed
    code, out = lint_imports(tmp_path, core_ignores=excuse, cycle_ignores=excuse)
    assert code == 1
    assert "No matches for ignored import shop.core.tax -> shop.web.pages" in out


def module_sizes(root: Path, pending: str = "") -> tuple[int, str]:
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.module_sizes]
            max_lines = 10
            exclude = ["tests/*", "app/migrations/*"]
            [tool.module_sizes.pending]
            """
        )
        + pending
    )
    run = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "module_sizes.py"), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return run.returncode, run.stdout + run.stderr


def lines(n: int) -> str:
    return "".join(f"x{i} = {i}\n" for i in range(n))


def test_a_module_over_the_limit_is_named_and_fails_the_check(tmp_path):
    write(
        tmp_path,
        {
            "app/small.py": lines(10),
            "app/big.py": lines(11),
            "tests/test_long.py": lines(50),
            "app/migrations/0001.py": lines(50),
            ".venv/lib/site.py": lines(50),
        },
    )
    code, out = module_sizes(tmp_path)
    assert code == 1
    assert "app/big.py: 11 lines, over 10" in out
    assert "small.py" not in out and "test_long" not in out and "0001" not in out
    assert "site.py" not in out
    assert "2 code modules" in out


def test_a_pending_split_may_shrink_but_not_grow_and_leaves_the_list_once_it_fits(tmp_path):
    write(tmp_path, {"app/big.py": lines(20)})
    assert module_sizes(tmp_path, '"app/big.py" = 20\n')[0] == 0
    assert module_sizes(tmp_path, '"app/big.py" = 25\n')[0] == 0

    code, out = module_sizes(tmp_path, '"app/big.py" = 19\n')
    assert code == 1
    assert "app/big.py: 20 lines, grown past the 19" in out

    write(tmp_path, {"app/big.py": lines(9)})
    code, out = module_sizes(tmp_path, '"app/big.py" = 20\n"app/gone.py" = 400\n')
    assert code == 1
    assert "app/big.py: 9 lines, fits now: delete its line" in out
    assert "app/gone.py: listed as pending but not found" in out


def test_the_projects_contracts_cover_every_package_and_the_layers():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]
    contracts = {c["id"]: c for c in config["importlinter"]["contracts"]}
    assert set(config["importlinter"]["root_packages"]) == {
        "billing_core",
        "ivr",
        "actions",
        "messages",
    }
    assert set(contracts["no-cycles"]["packages"]) == {"billing_core", "ivr", "actions", "messages"}
    assert set(contracts["billing-core-alone"]["forbidden_modules"]) >= {
        "ivr",
        "actions",
        "messages",
        "flask",
        "twilio",
        "rasa",
        "rasa_sdk",
    }
    assert contracts["actions-below-channels"]["forbidden_modules"] == ["ivr"]
    assert contracts["ivr-beside-actions"]["forbidden_modules"] == ["actions"]
    assert {"ivr", "actions"} <= set(
        contracts["messages-below-channels-and-actions"]["forbidden_modules"]
    )
    assert config["module_sizes"]["max_lines"] == 300
