"""Each process reads its environment once, when it starts, into its settings object.

Only the functions below may touch os.environ: the settings sections' constructors (which take an
explicit `env`, else the environment), the one yes/no helper, the secret lookup, and each process's
entry point, which reads it once and hands that snapshot to its sections. Anything else reading
the environment mid-run (a setting read twice, or read differently in two places) fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from billing_core.environment import env_flag, first_set, flag
from ivr.settings import SmsJobSettings, WebSettings

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("actions", "billing_core", "database", "ivr", "messages", "rasa_addons")

ALLOWED = {
    # the sections: from_env / load, with an explicit snapshot or else the environment
    "billing_core/settings.py:Settings.from_env",
    "billing_core/backoffice/processor.py:HttpProcessor.from_env",
    "billing_core/backoffice/nacha/writer.py:Originator.from_env",
    "ivr/config.py:ChannelSettings.from_env",
    "ivr/chat/settings.py:ChatSettings.load",
    "ivr/ops/settings.py:OpsSettings.load",
    "ivr/outcomes/settings.py:OutcomeSettings.load",
    "ivr/sms/reminder_settings.py:ReminderSettings.from_env",
    "ivr/settings.py:SmsJobSettings.from_env",
    "ivr/hardening.py:resolve_web_secrets",
    # the one yes/no reading and the secret lookup
    "billing_core/environment.py:env_flag",
    "billing_core/secrets.py:secret",
    # entry points: one snapshot each, handed to the sections
    "ivr/app.py:create_app",
    "actions/server.py:main",
    "billing_core/backoffice/cli.py:main",
    "ivr/outcomes/cli.py:main",
    "ivr/rasa_retention.py:main",
}


def environment_readers() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            _visit(tree, path.relative_to(REPO).as_posix(), [], found)
    return found


def _visit(node: ast.AST, file: str, scope: list[str], found: set[str]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            _visit(child, file, [*scope, child.name], found)
            continue
        if _reads_environment(child):
            found.add(f"{file}:{'.'.join(scope) or '<module>'}")
        _visit(child, file, scope, found)


def _reads_environment(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
        return isinstance(node.value, ast.Name) and node.value.id == "os"
    if isinstance(node, ast.ImportFrom) and node.module == "os":
        return any(alias.name in {"environ", "getenv"} for alias in node.names)
    return False


def test_only_settings_sections_and_entry_points_read_the_environment():
    readers = environment_readers()
    assert readers - ALLOWED == set(), "read the setting into a settings section instead"
    assert ALLOWED - readers == set(), "no longer reads the environment: drop it from ALLOWED"


def test_the_scan_finds_a_reader_it_is_not_told_about(tmp_path):
    source = "import os\n\ndef helper():\n    return os.environ.get('X')\n"
    found: set[str] = set()
    _visit(ast.parse(source), "pkg/mod.py", [], found)
    assert found == {"pkg/mod.py:helper"}


def test_the_web_app_settings_come_from_one_snapshot_with_its_config_on_top():
    env = {"HC_DEVELOPMENT": "1", "RASA_URL": "http://rasa:5005/", "OUTCOME_EVENTS": "0"}
    settings = WebSettings.load({"CHAT_MAX_MESSAGE_CHARS": 120, "OPS_IDLE_MINUTES": "5"}, env)
    assert settings.channels.rasa_url == "http://rasa:5005"
    assert settings.outcomes.enabled is False
    assert settings.chat.max_message_chars == 120
    assert settings.ops.idle_minutes == 5
    assert settings.ops.cookie_secure is False  # development mode: the console works over http
    production = {**env, "HC_DEVELOPMENT": "", "CHAT_SECRET_KEY": "a-real-key-" + "x" * 32}
    secure = WebSettings.load({}, production, channels=settings.channels).ops.cookie_secure
    assert secure is True


def test_the_sms_job_reads_its_sections_from_one_environment():
    job = SmsJobSettings.from_env({"HC_DEVELOPMENT": "1", "SMS_RATE": "2", "DB_POOL_SIZE": "3"})
    assert (job.reminders.rate, job.billing.db_pool_size) == (2.0, 3)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), ("", True), ("off", False), (False, False), ("maybe", True)],
)
def test_one_yes_no_reading_for_values_and_variables(value, expected):
    assert flag(value, True) is expected
    assert env_flag("X", True, {} if value is None else {"X": value}) is expected


def test_the_flask_config_wins_over_the_environment_and_empty_values_do_not_count():
    assert first_set("A", {"A": ""}, {"A": "env"}) == "env"
    assert first_set("A", {"A": 0}, {"A": "env"}) == 0
    assert first_set("A", {}, {}) is None
