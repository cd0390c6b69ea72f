"""A bank's lockbox BAI2 file for tests: one group, one account, 16 detail records, right totals."""

from __future__ import annotations

from datetime import date


def lockbox_file(items: list[tuple[str, int, str, str]], *, as_of: date) -> str:
    """items: (type code, amount in cents, bank reference, customer reference)."""
    details = [
        f"16,{code},{cents},Z,{ref},{customer},CHECK {n}/"
        for n, (code, cents, ref, customer) in enumerate(items, start=101)
    ]
    total = sum(cents for _, cents, _, _ in items)
    account = ["03,0001234567,USD,/", *details, f"49,{total},{len(details) + 2}/"]
    group = [
        f"02,HCONNECTOR,LOCKBOXBANK,1,{as_of:%y%m%d},,USD,2/",
        *account,
        f"98,{total},1,{len(account) + 2}/",
    ]
    lines = [
        f"01,LOCKBOXBANK,HCONNECTOR,{as_of:%y%m%d},2300,1,,,2/",
        *group,
        f"99,{total},1,{len(group) + 2}/",
    ]
    return "\n".join(lines) + "\n"
