"""Unit of work: one transaction around one service call; commits only when the block succeeds."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from billing_core.bank_crypto import BankDataCipher
from billing_core.settings import Settings


class UnitOfWork:
    session: Session

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        cipher: BankDataCipher,
        settings: Settings,
    ) -> None:
        self._session_factory = session_factory
        self.cipher = cipher
        self.settings = settings

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()


UowFactory = Callable[[], UnitOfWork]
