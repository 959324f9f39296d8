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


CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.mark.parametrize("params, english, chinese", [
    ({"q": "x", "limit": "abc"}, "limit: a whole number is expected, not “abc”", "limit: 应为整数，而不是 “abc”"),
    ({"q": "x", "offset": "-5"}, "offset: must be 0 or more", "offset: 必须大于或等于 0"),
    ({"q": "x", "limit": "5000"}, "limit: must be 100 or less", "limit: 必须小于或等于 100"),
])
def test_a_mistyped_parameter_is_explained_in_the_readers_language(client, params, english, chinese):
    assert client.get("/api/search", params=params).json() == {"ok": False, "error": english, "status": 422}
    assert client.get("/api/search", params=params, headers=CHINESE).json()["error"] == chinese
    page = client.get("/search", params=params, headers=CHINESE)
    assert page.status_code == 422 and chinese in page.text and "Input should" not in page.text


def test_a_long_mistyped_value_is_quoted_shortened():
    from kb.i18n import validation_text

    text = validation_text({"type": "int_parsing", "input": "9" * 30 + "x" * 30, "msg": "Input should be a valid integer"})
    assert text == "a whole number is expected, not “" + "9" * 30 + "x" * 10 + "…”"
    assert validation_text({"type": "some_new_kind", "msg": "Value error, Pydantic's words"}) == "Pydantic's words"
