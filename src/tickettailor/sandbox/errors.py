"""Error bodies in the documented shape (reference §5)."""

from __future__ import annotations

from typing import Any

FORBIDDEN_BODY: dict[str, Any] = {
    "status": 403,
    "error_code": "FORBIDDEN",
    "message": "You do not have permission to perform the request.",
    "hint": (
        "Check if API key is not deleted, is in correct format, is included in the request "
        "headers as base64 encoded string, the object you are trying to access is not "
        "restricted by api key permissions, and you can see the object in the Ticket "
        "Tailor dashboard."
    ),
}
NOT_FOUND_MESSAGE = "The requested resource does not exist."
TOO_MANY_MESSAGE = "Too many requests hit the API too quickly."
VALIDATION_MESSAGE = "One or more fields failed validation"
TIMESTAMP_MESSAGE = "Value must be a UNIX timestamp in seconds."


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "error_code": self.code,
            "message": self.message,
        }
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", NOT_FOUND_MESSAGE)


def validation(errors: list[dict[str, Any]]) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", VALIDATION_MESSAGE, errors)
