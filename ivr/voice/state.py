"""Call state in the database, so any worker can answer any turn, and the replay of repeated turns.

Every TwiML answer sends the caller to an action URL that carries the next turn number. The first
request for a turn claims it (a row keyed by CallSid + turn) and stores its answer; a repeated
delivery of the same turn gets that same answer back and never runs the turn again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from billing_core.billing_calendar import utcnow
from billing_core.runtime import BillingRuntime
from billing_core.sql import insert_for
from billing_core.unit_of_work import UnitOfWork
from ivr.voice.models import VoiceCall, VoiceTurn

IN_PROGRESS_WAIT_SECONDS = 5.0  # longer than the Rasa deadline, shorter than Twilio's 15 s


@dataclass
class Claim:
    call_sid: str
    turn: int
    state: dict[str, Any]
    replay: str | None = None  # TwiML already answered to this turn
    busy: bool = False  # the same turn is being answered by another request right now


# Every webhook runs claim() and finish(): plain Core statements on the tables, no ORM objects.
CALLS = VoiceCall.__table__
TURNS = VoiceTurn.__table__
InitialState = dict[str, Any] | Callable[[UnitOfWork], dict[str, Any]] | None


class CallStore:
    def __init__(self, runtime: BillingRuntime) -> None:
        self.runtime = runtime
        # INSERT ... ON CONFLICT DO NOTHING RETURNING: a row back means this request took the turn.
        self._take_turn = (
            insert_for(runtime.engine)(TURNS)
            .on_conflict_do_nothing(index_elements=[TURNS.c.call_sid, TURNS.c.turn])
            .returning(TURNS.c.turn)
        )

    def claim(self, call_sid: str, turn: int, initial: InitialState = None) -> Claim:
        """Take the turn, or find that it was taken; returns the call's state either way.

        `initial` is the state of a call not seen before, or a function computing it in the same
        transaction (only for a new call)."""
        now = utcnow()
        with self.runtime.uow() as uow:
            conn = uow.session.connection()
            taken = conn.execute(
                self._take_turn,
                {"call_sid": call_sid, "turn": turn, "twiml": None, "created_at": now},
            ).first()
            if taken is None:  # the same turn arrived before
                answer = conn.scalar(
                    select(TURNS.c.twiml).where(TURNS.c.call_sid == call_sid, TURNS.c.turn == turn)
                )
                if answer is not None:
                    return Claim(call_sid, turn, {}, replay=answer)
                return Claim(call_sid, turn, {}, busy=True)
            stored = conn.scalar(select(CALLS.c.state).where(CALLS.c.call_sid == call_sid))
            if stored is not None:
                return Claim(call_sid, turn, json.loads(stored))
            state = dict((initial(uow) if callable(initial) else initial) or {})
            conn.execute(
                insert(CALLS).values(
                    call_sid=call_sid,
                    turn=turn,
                    state=json.dumps(state),
                    created_at=now,
                    updated_at=now,
                )
            )
        return Claim(call_sid, turn, state)

    def wait_for_answer(self, call_sid: str, turn: int) -> str | None:
        deadline = time.monotonic() + IN_PROGRESS_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.1)
            with self.runtime.uow() as uow:
                row = uow.session.get(VoiceTurn, (call_sid, turn))
                if row is None:
                    return None  # the first request failed and released the turn
                if row.twiml is not None:
                    return row.twiml
        return None

    def finish(self, claim: Claim, twiml: str) -> None:
        with self.runtime.uow() as uow:
            conn = uow.session.connection()
            # Plain UPDATEs: the rows exist since claim(); no read is needed first.
            stored = conn.execute(
                update(CALLS)
                .where(CALLS.c.call_sid == claim.call_sid)
                .values(turn=claim.turn, state=json.dumps(claim.state), updated_at=utcnow())
            )
            if stored.rowcount == 0:  # the status callback ended the call meanwhile
                return
            conn.execute(
                update(TURNS)
                .where(TURNS.c.call_sid == claim.call_sid, TURNS.c.turn == claim.turn)
                .values(twiml=twiml)
            )

    def release(self, claim: Claim) -> None:
        """Forget a turn whose handling failed, so Twilio's retry can run it again."""
        with self.runtime.uow() as uow:
            uow.session.execute(
                delete(VoiceTurn).where(
                    VoiceTurn.call_sid == claim.call_sid,
                    VoiceTurn.turn == claim.turn,
                    VoiceTurn.twiml.is_(None),
                )
            )

    def load(self, call_sid: str) -> dict[str, Any] | None:
        with self.runtime.uow() as uow:
            call = uow.session.get(VoiceCall, call_sid)
            return json.loads(call.state) if call else None

    def last_turn(self, call_sid: str) -> int:
        with self.runtime.uow() as uow:
            turn = uow.session.scalar(select(VoiceCall.turn).where(VoiceCall.call_sid == call_sid))
            return turn or 0

    def end_call(self, call_sid: str) -> None:
        """The call is over: drop its state (and any encrypted bank entry in it) and its turns."""
        with self.runtime.uow() as uow:
            conn = uow.session.connection()
            conn.execute(delete(TURNS).where(TURNS.c.call_sid == call_sid))
            conn.execute(delete(CALLS).where(CALLS.c.call_sid == call_sid))

    def purge_older_than(self, age: timedelta, batch: int = 1000) -> int:
        """Drop calls whose status callback never came (e.g. lost); returns how many.

        In transactions of `batch` calls: short locks, and bound parameters stay under the
        databases' limits however many calls have piled up."""
        cutoff = utcnow() - age
        purged = 0
        while True:
            with self.runtime.uow() as uow:
                sids = list(
                    uow.session.scalars(
                        select(VoiceCall.call_sid).where(VoiceCall.updated_at < cutoff).limit(batch)
                    )
                )
                if sids:
                    uow.session.execute(delete(VoiceTurn).where(VoiceTurn.call_sid.in_(sids)))
                    uow.session.execute(delete(VoiceCall).where(VoiceCall.call_sid.in_(sids)))
            purged += len(sids)
            if len(sids) < batch:
                return purged
