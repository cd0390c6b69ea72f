"""The Rasa server env: Python 3.11, exactly requirements-rasa.lock, addons loaded, model trained by it.

Python 3.11 formats members of an Enum with a data-type mixin (`class X(str, Enum)`) in f-strings
as `X.NAME` where 3.10 gave the value. Rasa's CRFEntityExtractor builds its feature names that
way, so a CRF trained under 3.10 would silently mispredict under 3.11. The guard below finds such
enums beside every configured component and then requires a model this env trained.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import subprocess

import pytest

from tests.rasa_stack import REPO, require_rasa

pytestmark = pytest.mark.rasa

RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"
LOCK = REPO / "requirements-rasa.lock"
STAMP = REPO / "models" / ".trained"


@functools.cache
def rasa_lock_module():
    """scripts/rasa_lock.py, whose checks are pure functions (pip's vendored packaging only)."""
    spec = importlib.util.spec_from_file_location("rasa_lock", REPO / "scripts" / "rasa_lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def in_rasa_env(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    require_rasa()
    return subprocess.run(
        [str(RASA_PYTHON), *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def test_the_rasa_server_env_runs_python_3_11():
    out = in_rasa_env("-c", "import sys; print(*sys.version_info[:2])")
    assert out.stdout.split() == ["3", "11"], out.stdout + out.stderr


def test_the_rasa_env_is_exactly_the_lock_with_only_the_matplotlib_conflict():
    out = in_rasa_env("scripts/rasa_lock.py", "check")
    assert out.returncode == 0, out.stderr
    assert "only the accepted rasa -> matplotlib" in out.stdout


def test_every_lock_line_is_an_exact_pin_with_a_sha256_and_agrees_with_the_requirements():
    lines = [ln for ln in LOCK.read_text().splitlines() if ln and not ln.startswith("#")]
    pin = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) --hash=sha256:[0-9a-f]{64}(  # .*)?$")
    assert all(pin.match(ln) for ln in lines), [ln for ln in lines if not pin.match(ln)]
    locked = {pin.match(ln)[1].lower().replace("_", "-"): pin.match(ln)[2] for ln in lines}
    for line in (REPO / "requirements-rasa.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            assert locked[name.lower().replace("_", "-")] == version, line
    assert locked["multidict"] == "5.2.0" and "contourpy" in locked
    assert "# python: 3.11" in LOCK.read_text()


def test_the_lock_check_accepts_only_rasas_matplotlib_range():
    lock = rasa_lock_module()
    accepted = "rasa 3.6.21 has requirement matplotlib<3.6,>=3.1, but you have matplotlib 3.6.3."
    assert lock.pip_check_problems(accepted + "\n") == []
    for other in (
        "sanic 21.12.2 has requirement multidict<6.0,>=5.0, but you have multidict 6.0.4.",
        "rasa-sdk 3.6.2 has requirement matplotlib<3.6, but you have matplotlib 3.6.3.",
        "rasa 3.6.21 requires tensorflow, which is not installed.",
    ):
        assert lock.pip_check_problems(f"{accepted}\n{other}\n") == [f"pip check: {other}"]


def test_the_lock_check_reads_rasas_requirements_as_on_python_3_10():
    lock = rasa_lock_module()
    scipy = 'scipy (>=1.10.0,<1.11.0) ; python_version >= "3.8" and python_version < "3.11"'
    assert lock.lifted_problems("rasa", [scipy], {"scipy": "1.10.1"}) == []
    assert lock.lifted_problems("rasa", [scipy], {"scipy": "1.18.0"}) != []
    assert lock.lifted_problems("rasa", ["matplotlib (>=3.1,<3.6)"], {"matplotlib": "3.6.3"}) == []


def test_a_package_missing_from_the_lock_or_at_another_version_fails_the_check():
    lock = rasa_lock_module()
    assert lock.lock_mismatches({"rasa": "3.6.21"}, {"rasa": "3.6.21"}) == []
    assert lock.lock_mismatches({"rasa": "3.6.21"}, {"rasa": "3.6.21", "extra": "1.0"}) != []
    assert lock.lock_mismatches({"numpy": "1.23.5"}, {"numpy": "1.24.0"}) != []


def test_every_rasa_addon_is_imported_when_the_rasa_env_starts():
    addons = re.search(r"^RASA_ADDONS := (.+)$", (REPO / "Makefile").read_text(), re.M)[1].split()
    code = "import sys; print(json.dumps([m for m in sys.argv[1:] if m not in sys.modules]))"
    out = in_rasa_env("-c", "import json; " + code, *addons)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == []


def test_the_model_in_use_was_trained_by_this_rasa_env():
    out = in_rasa_env("scripts/rasa_lock.py", "fingerprint")
    assert STAMP.exists(), "no models/.trained: train with `make train`"
    assert STAMP.read_text() == out.stdout, "models/ was trained by another env: run `make train`"


# Runs in the Rasa env: for each configured component (pipeline and policies), the Enum classes
# with a data-type mixin defined in the modules of its class hierarchy whose members format
# differently from their values (on 3.11; on 3.10 they formatted as the value).
PROBE = """
import enum, inspect, json, sys
import yaml
from rasa.engine.recipes.default_components import DEFAULT_COMPONENTS
from rasa.shared.utils.common import class_from_module_path

def component_class(name):
    by_name = {c.__name__: c for c in DEFAULT_COMPONENTS}
    return by_name.get(name) or class_from_module_path(name)

def str_enum_formatted(cls):
    found = set()
    for klass in inspect.getmro(cls):
        module = sys.modules.get(klass.__module__)
        for value in vars(module).values() if module else ():
            if (inspect.isclass(value) and issubclass(value, enum.Enum)
                    and value.__module__ == module.__name__ and value._member_type_ is not object
                    and any(format(m) != format(m.value) for m in value)):
                found.add(value.__qualname__)
    return sorted(found)

result = {}
for path in sys.argv[1:]:
    config = yaml.safe_load(open(path))
    names = [c["name"] for c in config.get("pipeline", []) + config.get("policies", [])]
    result[path] = {n: str_enum_formatted(component_class(n)) for n in names}
print(json.dumps(result))
"""


def str_enum_guard(flagged: dict[str, list[str]], stamp: str, env: str) -> list[str]:
    """The components whose feature names depend on str-Enum formatting, unless this env trained."""
    if stamp == env:
        return []
    return [f"{name}: {', '.join(enums)}" for name, enums in flagged.items() if enums]


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[str]]]:
    """The probe over config.yml as it is, and with a CRFEntityExtractor added."""
    config = (REPO / "config.yml").read_text()
    with_crf = tmp_path_factory.mktemp("crf") / "config.yml"
    with_crf.write_text(config.replace("pipeline:\n", "pipeline:\n  - name: CRFEntityExtractor\n"))
    out = in_rasa_env("-c", PROBE, str(REPO / "config.yml"), str(with_crf))
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"config.yml": result[str(REPO / "config.yml")], "with CRF": result[str(with_crf)]}


def test_no_component_whose_features_depend_on_str_enum_formatting_runs_on_another_envs_model(
    probed,
):
    env = in_rasa_env("scripts/rasa_lock.py", "fingerprint").stdout
    stamp = STAMP.read_text() if STAMP.exists() else ""
    assert str_enum_guard(probed["config.yml"], stamp, env) == [], (
        "retrain the model in this env (`make train`) before using these components"
    )


def test_a_crf_entity_extractor_fails_the_guard_on_a_model_trained_on_python_3_10(probed):
    assert probed["with CRF"]["CRFEntityExtractor"] == ["CRFEntityExtractorOptions"]
    assert all(enums == [] for enums in probed["config.yml"].values()), probed["config.yml"]
    env = in_rasa_env("scripts/rasa_lock.py", "fingerprint").stdout
    trained_on_310 = "python 3.10.13\nrequirements-rasa.lock sha256:0\n"
    assert str_enum_guard(probed["with CRF"], trained_on_310, env) == [
        "CRFEntityExtractor: CRFEntityExtractorOptions"
    ]
    assert str_enum_guard(probed["with CRF"], env, env) == []
