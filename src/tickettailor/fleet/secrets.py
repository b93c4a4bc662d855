"""API keys and sink specs at rest: encrypted with the fleet secret (Fernet).

``TICKETTAILOR_FLEET_SECRET`` holds a Fernet key (``tickettailor fleet new-secret``
prints one). Fernet authenticates what it decrypts, so a wrong secret is refused
(``InvalidToken``) instead of yielding garbage keys that would be sent to the API.
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, InvalidToken

from tickettailor._core.errors import StateError, UsageError

__all__ = ["SECRET_ENV", "Secrets", "new_secret"]

SECRET_ENV = "TICKETTAILOR_FLEET_SECRET"  # noqa: S105  (a variable name, not a secret)


def new_secret() -> str:
    return Fernet.generate_key().decode()


class Secrets:
    """Encrypts and decrypts with the fleet secret."""

    def __init__(self, secret: str) -> None:
        try:
            self._fernet = Fernet(secret.strip().encode())
        except ValueError:
            raise UsageError(
                f"{SECRET_ENV} is not a fleet secret (32 url-safe base64-encoded bytes): "
                "make one with `tickettailor fleet new-secret`"
            ) from None

    @classmethod
    def from_env(cls) -> Secrets:
        secret = os.environ.get(SECRET_ENV, "").strip()
        if not secret:
            raise UsageError(
                f"{SECRET_ENV} is not set: the fleet's API keys are encrypted with it; set it "
                "to the fleet's secret (a new fleet: `tickettailor fleet new-secret`)"
            )
        return cls(secret)

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str, *, what: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise StateError(
                f"cannot decrypt {what}: {SECRET_ENV} is not the secret the fleet's "
                "box offices were added with; set the right one (nothing was sent)"
            ) from None
