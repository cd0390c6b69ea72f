"""The back-office CLI end to end on a migrated database, with a frozen clock."""

from __future__ import annotations

from datetime import date

import time_machine

from billing_core.backoffice.cli import main
from billing_core.backoffice.nacha import parse_file
from tests.backoffice.helpers import bill, eastern, make_member
from tests.backoffice.return_files import ReturnSpec, build_return_file


def test_the_daily_command_drafts_files_and_imports_returns(runtime, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("BANK_DATA_KEY_FILE", str(runtime.settings.bank_data_key_path))
    for _ in range(3):
        make_member(runtime, autopay_day=4)
    bill(runtime, date(2027, 1, 1))
    out = tmp_path / "ach"
    with time_machine.travel(eastern(date(2026, 12, 4), 7), tick=False):
        assert main(["--quiet", "daily", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "3 created, $900.00" in text and "3 entries" in text
    [ach] = list(out.glob("*.ach"))
    parsed = parse_file(ach.read_text())
    ret = tmp_path / "ret.ach"
    ret.write_text(
        build_return_file(
            [ReturnSpec(parsed.entries[0], "R01")], created_at=eastern(date(2026, 12, 8))
        )
    )
    with time_machine.travel(eastern(date(2026, 12, 8), 7), tick=False):
        assert main(["--quiet", "returns", str(ret)]) == 0
        assert main(["--quiet", "returns", str(ret)]) == 0
    text = capsys.readouterr().out
    assert "1 reversed" in text and "1 already applied" in text
    assert parsed.entries[0].account_number not in text


def test_the_processor_command_says_when_tokenized_debits_wait_for_a_processor(
    runtime, monkeypatch, capsys
):
    from tests.backoffice.helpers import add_tokenized, pay

    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("BANK_DATA_KEY_FILE", str(runtime.settings.bank_data_key_path))
    monkeypatch.delenv("PROCESSOR_URL", raising=False)
    number, _ = make_member(runtime)
    bill(runtime, date(2027, 1, 1))
    ref = add_tokenized(runtime, number, "btok_cli")
    pay(runtime, number, ref, "50.00", eastern(date(2026, 12, 1), 10), "cli-1")
    with time_machine.travel(eastern(date(2026, 12, 1), 18), tick=False):
        assert main(["--quiet", "processor"]) == 0
    assert "processor: 1 debits wait, PROCESSOR_URL is not set" in capsys.readouterr().out
