"""Encryption at rest for bank account numbers (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet

from billing_core.environment import development_mode
from billing_core.secrets import MissingSecret

KEY_SETTING = "BANK_DATA_KEY_FILE"


class BankDataCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_key_file(cls, path: Path, create: bool = False) -> BankDataCipher:
        """Load the key. With create=True a missing key file is made, in development mode only:
        a production process never invents a key its peers cannot decrypt with."""
        if not path.exists():
            if not create:
                raise MissingSecret(KEY_SETTING, f"points to {path}, which does not exist")
            if not development_mode():
                raise MissingSecret(
                    KEY_SETTING,
                    f"points to {path}, which does not exist (a key is generated in "
                    "development mode only)",
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        try:
            return cls(path.read_bytes().strip())
        except OSError as exc:
            raise MissingSecret(KEY_SETTING, f"points to {path}, which cannot be read") from exc
        except ValueError as exc:  # Fernet: not 32 url-safe base64-encoded bytes
            raise MissingSecret(
                KEY_SETTING, f"points to {path}, which does not hold a valid Fernet key"
            ) from exc

    def encrypt(self, account_number: str) -> bytes:
        return self._fernet.encrypt(account_number.encode())

    def decrypt(self, token: bytes) -> str:
        return self._fernet.decrypt(token).decode()
