"""The billing core stays pure: usable from a script, with no channel, web, telephony or Rasa imports,
neither written as imports nor loaded by name (importlib, __import__, a module path in a string)."""

import ast
import re
import subprocess
import sys
from pathlib import Path

BILLING_CORE = Path(__file__).resolve().parents[2] / "billing_core"
FORBIDDEN = ("ivr", "actions", "database", "flask", "twilio", "rasa_sdk", "rasa")
MODULE_PATH = re.compile(rf"({'|'.join(FORBIDDEN)})(\.\w+)*")

CHECK = f"""
import pkgutil, importlib, sys
import billing_core
for info in pkgutil.walk_packages(billing_core.__path__, "billing_core."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
print(sorted({{m.split(".")[0] for m in sys.modules}} & set({FORBIDDEN!r})))
"""


def test_importing_every_billing_core_module_loads_no_channel_web_telephony_or_rasa():
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def _forbidden_references(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value] if MODULE_PATH.fullmatch(node.value) else []
        else:
            continue
        found += [name for name in names if name.split(".")[0] in FORBIDDEN]
    return found


def test_no_billing_core_source_names_a_channel_web_telephony_or_rasa_module():
    offenders = {
        str(path.relative_to(BILLING_CORE)): refs
        for path in sorted(BILLING_CORE.rglob("*.py"))
        if (refs := _forbidden_references(path.read_text()))
    }
    assert offenders == {}


def test_the_source_check_sees_an_import_by_name():
    hidden = 'import importlib\nimportlib.import_module("ivr.voice.models")\n'
    assert _forbidden_references(hidden) == ["ivr.voice.models"]
    assert _forbidden_references("from ivr.sms import models\n") == ["ivr.sms"]
    assert _forbidden_references("import flask\n") == ["flask"]
    assert _forbidden_references('"""The ivr package answers calls."""\n') == []
