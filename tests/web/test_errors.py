"""Domain errors know nothing of HTTP; web/errors.py gives each its status, most specific first."""

from __future__ import annotations

import inspect

import pytest

from kb import errors
from search.themes import InvalidThemeEdit, ThemeNotFound
from web.errors import STATUS_OF, status_of
from web.forms import InvalidEdit


@pytest.mark.parametrize("error, status", [
    (errors.LessonNotFound, 404), (errors.DocumentNotFound, 404), (ThemeNotFound, 404),
    (errors.UnsupportedFormat, 415), (errors.InvalidRegister, 422), (errors.InvalidDocument, 422),
    (InvalidEdit, 422), (errors.IndexUnavailable, 503), (InvalidThemeEdit, 400), (errors.KBError, 400),
])
def test_each_domain_error_has_its_status(error, status):
    assert status_of(error("message")) == status


def test_the_domain_layer_carries_no_http_status():
    for _, cls in inspect.getmembers(errors, inspect.isclass):
        assert not hasattr(cls, "status"), f"{cls.__name__} knows an HTTP status; map it in web/errors.py"


def test_a_subclass_comes_before_its_base():
    classes = [cls for cls, _ in STATUS_OF]
    for i, cls in enumerate(classes):
        assert not any(issubclass(cls, earlier) for earlier in classes[:i]), f"{cls.__name__} can never match"


def test_the_handler_answers_with_the_mapped_status(client):
    missing = client.get("/api/lessons/999")
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error": "No lesson with id 999.", "status": 404}
