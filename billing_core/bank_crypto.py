"""Encryption at rest for bank account numbers (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet


class BankDataCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_key_file(cls, path: Path, create: bool = False) -> BankDataCipher:
        """Load the key; with create=True a missing key file is made (developer and demo setups)."""
        if not path.exists():
            if not create:
                raise FileNotFoundError(f"bank data key file {path} is missing")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def encrypt(self, account_number: str) -> bytes:
        return self._fernet.encrypt(account_number.encode())

    def decrypt(self, token: bytes) -> str:
        return self._fernet.decrypt(token).decode()
