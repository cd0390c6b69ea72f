"""Wires settings, engine, cipher and unit-of-work factory together once per process."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from billing_core.bank_crypto import KEY_SETTING, BankDataCipher
from billing_core.db import make_engine, make_session_factory
from billing_core.secrets import MissingSecret
from billing_core.settings import Settings
from billing_core.unit_of_work import UnitOfWork


@dataclass
class BillingRuntime:
    settings: Settings
    engine: Engine
    cipher: BankDataCipher

    @classmethod
    def start(cls, settings: Settings | None = None, create_key: bool = False) -> BillingRuntime:
        settings = settings or Settings.from_env()
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        if settings.bank_data_key_path is None:
            raise MissingSecret(KEY_SETTING)
        cipher = BankDataCipher.from_key_file(settings.bank_data_key_path, create=create_key)
        return cls(settings=settings, engine=engine, cipher=cipher)

    def __post_init__(self) -> None:
        self._session_factory = make_session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._session_factory, self.cipher, self.settings)
