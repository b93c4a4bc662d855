"""Every public model and every field says what it is (``help()``, IDEs, ``description``)."""

from __future__ import annotations

import inspect

import tickettailor.models as models
from tickettailor.models import TTModel

PUBLIC_MODELS = sorted(
    (getattr(models, name) for name in models.__all__),
    key=lambda obj: getattr(obj, "__name__", ""),
)
MODEL_CLASSES = [obj for obj in PUBLIC_MODELS if inspect.isclass(obj) and issubclass(obj, TTModel)]


def test_the_public_models_are_found() -> None:
    names = {cls.__name__ for cls in MODEL_CLASSES}
    assert {"Order", "BuyerDetails", "Event", "IssuedTicket", "Currency"} <= names
    assert len(MODEL_CLASSES) >= 30


def test_every_public_model_has_its_own_docstring() -> None:
    missing = [cls.__name__ for cls in MODEL_CLASSES if not cls.__dict__.get("__doc__")]
    assert missing == []


def test_every_field_has_a_description() -> None:
    missing = [
        f"{cls.__name__}.{name}"
        for cls in MODEL_CLASSES
        for name, field in cls.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert missing == []


def test_every_json_schema_describes_every_field() -> None:
    """The descriptions reach what is built from the fields on first use (defer_build)."""
    undescribed = []
    for cls in MODEL_CLASSES:
        properties = cls.model_json_schema()["properties"]
        for name, field in cls.model_fields.items():
            shown = properties[field.alias or name].get("description")
            if shown != field.description:
                undescribed.append(f"{cls.__name__}.{name}")
    assert undescribed == []
