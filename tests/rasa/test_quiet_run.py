"""`make run` starts Rasa through rasa_addons/hc_quiet_run.py: its dependencies' warnings hidden,
ours and every log line kept."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sysconfig
import warnings
from pathlib import Path

import pytest

from tests.rasa_stack import REPO, require_rasa

RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"


def quiet_run():
    spec = importlib.util.spec_from_file_location(
        "hc_quiet_run", REPO / "rasa_addons" / "hc_quiet_run.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shown(filename: str) -> str:
    """What the launcher prints for a warning attributed to `filename` (pytest replaces
    warnings.showwarning, which the launcher passes the warnings it keeps to: print them here)."""
    out = io.StringIO()
    module = quiet_run()
    module._show = lambda message, category, filename, lineno, file, line: file.write(
        warnings.formatwarning(message, category, filename, lineno, line)
    )
    module.show_unless_third_party(
        DeprecationWarning("old API"), DeprecationWarning, filename, 7, file=out, line="x = 1"
    )
    return out.getvalue()


def test_a_warning_from_python_or_an_installed_package_is_not_shown():
    site = Path(sysconfig.get_paths()["purelib"])
    assert shown(str(site / "sqlalchemy" / "orm" / "decl_api.py")) == ""
    assert shown(str(Path(warnings.__file__))) == ""
    assert shown("<frozen importlib._bootstrap>") == ""


def test_a_warning_from_our_own_code_is_shown():
    site = Path(sysconfig.get_paths()["purelib"])
    assert "old API" in shown(str(site / "hc_signed_channel.py"))  # an addon, installed
    assert "old API" in shown(str(REPO / "rasa_addons" / "hc_signed_channel.py"))
    assert "old API" in shown(str(REPO / "actions" / "billing.py"))


@pytest.mark.rasa
def test_rasa_started_through_it_prints_no_dependency_warnings_where_rasa_itself_does():
    require_rasa()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RASA_PYTHON), *args], capture_output=True, text=True, timeout=300, cwd=REPO
        )

    plain = run("-m", "rasa", "--version")
    quiet = run("rasa_addons/hc_quiet_run.py", "--version")

    assert "DeprecationWarning" in plain.stderr  # there is something to hide
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert "Rasa Version" in quiet.stdout
    assert "Warning" not in quiet.stderr, quiet.stderr[-2000:]
