"""Notices by letter: a print-ready PDF per notice and a manifest per batch; sent when released.

Members without texts get their notices (Reg E amount changes first of all) by mail. `build`
claims the unsent `mail` notices due today (SKIP LOCKED and a unique `notice_letters` row per
notice, so parallel or repeated runs never print a notice twice), writes one PDF per notice and
`manifest.csv` into a new batch directory, and records the batch. A letter is *sent* only when
its batch is released to the mail house (`release`): that sets the notices' `sent_at`, which is
what the draft job waits for (a Reg E draft happens at least 10 days after its notice was sent).
The wording comes from the caller-facing catalogs through an injected renderer (ivr.letters).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import select, update

from billing_core.backoffice.models import LetterBatch, MemberNotification, NoticeLetter
from billing_core.backoffice.notifications import mark_sent
from billing_core.billing_calendar import eastern_date
from billing_core.models import Account
from billing_core.sql import is_postgresql
from billing_core.unit_of_work import UnitOfWork

# Kinds printed by the letter run; each has a `<message id>@letter` wording (ivr.letters).
LETTER_KINDS = ("rege_amount_change", "autopay_paused_copy", "autopay_resumed_copy")
MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = (
    "batch_id",
    "file",
    "notification_id",
    "kind",
    "account_number",
    "member_name",
    "zip_code",
    "language",
    "sha256",
)


@dataclass(frozen=True)
class LetterText:
    body: str  # paragraphs separated by blank lines


# (kind, params, language, member name, account number, letter date) -> the letter's text
Renderer = Callable[[str, dict, str, str, str, date], LetterText]


@dataclass(frozen=True)
class BatchResult:
    batch_id: int | None
    letters: int
    directory: Path | None


def _latin1(text: str) -> str:
    """The PDF core fonts are Latin-1: Spanish fits; anything else is replaced, never dropped."""
    return text.encode("latin-1", "replace").decode("latin-1")


def letter_pdf(text: LetterText, *, created: datetime) -> bytes:
    pdf = FPDF(format="letter", unit="pt")
    pdf.set_creation_date(created)
    pdf.set_margins(72, 72, 72)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in text.body.split("\n\n"):
        pdf.multi_cell(0, 15, _latin1(paragraph.strip()), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
    return bytes(pdf.output())


def _claim(uow: UnitOfWork, today: date, kinds: tuple[str, ...], limit: int) -> list:
    mn = MemberNotification
    stmt = (
        select(mn, Account)
        .join(Account, Account.id == mn.account_id)
        .where(
            mn.channel == "mail",
            mn.sent_at.is_(None),
            mn.send_after <= today,
            mn.kind.in_(kinds),
            ~select(NoticeLetter.id).where(NoticeLetter.notification_id == mn.id).exists(),
        )
        .order_by(mn.id)
        .limit(limit)
    )
    if is_postgresql(uow.session):
        stmt = stmt.with_for_update(skip_locked=True, of=mn)
    return list(uow.session.execute(stmt).all())


def build_letter_batch(
    uow_factory: Callable[[], UnitOfWork],
    *,
    now: datetime,
    out_dir: Path,
    render: Renderer,
    kinds: tuple[str, ...] = LETTER_KINDS,
    limit: int = 5000,
) -> BatchResult:
    today = eastern_date(now)
    with uow_factory() as uow:
        rows = _claim(uow, today, kinds, limit)
        if not rows:
            return BatchResult(None, 0, None)
        batch = LetterBatch(batch_date=today, directory="", letters=len(rows), created_at=now)
        uow.session.add(batch)
        uow.session.flush()
        final = out_dir / f"letters-{today:%Y%m%d}-{batch.id:06d}"
        partial = final.with_name(final.name + ".partial")
        partial.mkdir(parents=True, exist_ok=False)
        batch.directory = str(final)
        manifest = io.StringIO()
        writer = csv.writer(manifest, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for notice, account in rows:
            text = render(
                notice.kind,
                dict(notice.params or {}),
                notice.language,
                account.name,
                account.account_number,
                today,
            )
            data = letter_pdf(text, created=now)
            name = f"{notice.id:09d}.pdf"
            (partial / name).write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            uow.session.add(
                NoticeLetter(
                    batch_id=batch.id, notification_id=notice.id, file_name=name, sha256=digest
                )
            )
            writer.writerow(
                (
                    batch.id,
                    name,
                    notice.id,
                    notice.kind,
                    account.account_number,
                    account.name,
                    account.zip_code,
                    notice.language,
                    digest,
                )
            )
        body = manifest.getvalue().encode()
        (partial / MANIFEST).write_bytes(body)
        batch.manifest_sha256 = hashlib.sha256(body).hexdigest()
        batch_id = batch.id
    partial.rename(final)  # only after the batch is committed: a crash leaves a .partial behind
    return BatchResult(batch_id, len(rows), final)


def release_letter_batch(uow: UnitOfWork, batch_id: int, *, now: datetime) -> int:
    """The mail house has the batch: its notices count as sent now (idempotent)."""
    batch = uow.session.get(LetterBatch, batch_id)
    if batch is None:
        raise LookupError(f"no letter batch {batch_id}")
    if batch.released_at is None:
        uow.session.execute(
            update(LetterBatch).where(LetterBatch.id == batch_id).values(released_at=now)
        )
        ids = list(
            uow.session.scalars(
                select(NoticeLetter.notification_id).where(NoticeLetter.batch_id == batch_id)
            )
        )
        mark_sent(uow.session, ids, now)
        return len(ids)
    return 0
