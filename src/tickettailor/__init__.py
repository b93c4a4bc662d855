"""tickettailor: connect a Ticket Tailor box office to anything.

The public API is what ``__all__`` lists; everything under a leading underscore is
private and may change.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
