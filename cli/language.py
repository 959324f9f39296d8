"""The language `kb` speaks: `KB_LANGUAGE` (from the environment or `.env`), read once per run.

Help texts are written in English and marked with `N_`; typer builds its click commands only when
`kb` runs, so `KBGroup.main` translates the built tree then, after the language is known. That
keeps `kb --help` in the reader's language without reading settings at import time, and lets a
test run the same `app` in either language. Messages are translated where they are printed.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache
from typing import Any, Callable, Iterator, TypeVar

import typer.rich_utils
from typer.core import TyperGroup

from kb import i18n
from kb.i18n import N_, _

F = TypeVar("F", bound=Callable[..., Any])

HELP_OPTION = N_("Show this message and exit.")
USAGE = N_("Usage:")
CHROME = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "DEFAULT_STRING": N_("[default: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
"""The words typer's help pages and error panels draw around our texts (module constants of typer.rich_utils)."""

NO_SUCH_OPTION = N_("No such option: %(name)s")
POSSIBLE_OPTIONS = N_("(Possible options: %(options)s)")
NO_SUCH_COMMAND = N_("No such command %(name)s.")
EXTRA_ARGUMENTS = N_("Got unexpected extra arguments (%(args)s): put quotes around a question or a file name "
                     "that has spaces.")
MISSING = {"argument": N_("Missing argument %(name)s."), "option": N_("Missing option %(name)s."),
           "parameter": N_("Missing parameter %(name)s.")}
INVALID_VALUE = N_("Invalid value for %(name)s: %(reason)s")
_CONTEXT_FAILURES = (
    (re.compile(r"No such command (?P<name>.+)\.", re.S), NO_SUCH_COMMAND),
    (re.compile(r"Got unexpected extra argument\(s\) \((?P<args>.*)\)", re.S), EXTRA_ARGUMENTS),
)
"""Usage errors click writes with f-strings, as (pattern of the English, our message)."""


def cli_language() -> str:
    """`KB_LANGUAGE` as the settings read it (environment, then `.env`); English if unset or unknown."""
    from pydantic import ValidationError

    from kb.settings import Settings

    try:
        return i18n.supported(Settings().language) or i18n.ENGLISH
    except ValidationError:  # another setting is wrong: the command itself says so, in English at worst
        return i18n.configured_language()


@contextmanager
def speaking(language: str | None = None) -> Iterator[str]:
    """Messages and typer's help chrome in `language` (default: `cli_language()`) inside the block."""
    language = language or cli_language()
    names = [name for name in (*CHROME, "_make_rich_text", "rich_format_error") if hasattr(typer.rich_utils, name)]
    saved = {name: getattr(typer.rich_utils, name) for name in names}
    with i18n.using(language):
        try:
            for name, text in CHROME.items():
                if name in saved:
                    setattr(typer.rich_utils, name, _(text))
            if "_make_rich_text" in saved:
                typer.rich_utils._make_rich_text = _folding(saved["_make_rich_text"])
            if "rich_format_error" in saved:
                typer.rich_utils.rich_format_error = _translating(saved["rich_format_error"])
            yield language
        finally:
            for name, value in saved.items():
                setattr(typer.rich_utils, name, value)


def _folding(make_text: Callable[..., Any]) -> Callable[..., Any]:
    """typer's help text, folded at the edge of its column rather than cut with "…": Chinese has no spaces
    to wrap at, so a sentence is one long word to rich."""
    from rich.text import Text

    def make(*args: Any, **kwargs: Any) -> Any:
        text = make_text(*args, **kwargs)
        if isinstance(text, Text):
            text.overflow = "fold"
        return text
    return make


def _translating(format_error: Callable[[Any], None]) -> Callable[[Any], None]:
    """typer's error panel, with click's message (written in English, most with f-strings) in the reader's
    language: read from the error's own fields where it has them, else from its English words."""
    def show(error: Any) -> None:
        text = error_message(error)
        error.format_message = lambda: text
        format_error(error)
    return show


def error_message(error: Any) -> str:
    """A click usage error's message in the current language (its English message when it is none we know)."""
    english = error.format_message()
    kind = type(error).__name__
    hint = _hint(error)
    if kind == "NoSuchOption":
        text = _(NO_SUCH_OPTION) % {"name": error.option_name}
        if error.possibilities:
            text += " " + _(POSSIBLE_OPTIONS) % {"options": ", ".join(sorted(error.possibilities))}
        return text
    if kind == "MissingParameter" and hint and not error.message:
        kind_of = error.param_type or (error.param.param_type_name if error.param is not None else "parameter")
        return _(MISSING.get(kind_of, MISSING["parameter"])) % {"name": hint}
    if kind == "BadParameter" and hint:
        from pydantic import ValidationError

        cause = error.__cause__
        reason = "; ".join(i18n.validation_text(e) for e in cause.errors()) if isinstance(cause, ValidationError) \
            else error.message
        return _(INVALID_VALUE) % {"name": hint, "reason": reason}
    for pattern, message in _CONTEXT_FAILURES:
        if found := pattern.fullmatch(english):
            return _(message) % found.groupdict()
    return english


def _hint(error: Any) -> str | None:
    """The option or argument an error is about, as click names it ("'--limit' / '-n'")."""
    if getattr(error, "param_hint", None):
        hint = error.param_hint
        return " / ".join(f"'{h}'" for h in hint) if isinstance(hint, (list, tuple)) else str(hint)
    param = getattr(error, "param", None)
    if param is None:
        return None
    try:
        return param.get_error_hint()  # typer's copy of click; click's own takes the context too
    except TypeError:
        return param.get_error_hint(getattr(error, "ctx", None))


def for_machines(machine_readable: bool) -> AbstractContextManager:
    """English inside the block when the output is for scripts (--json, --csv): its words stay the same whatever
    KB_LANGUAGE says, as the field names do."""
    return i18n.using(i18n.ENGLISH) if machine_readable else nullcontext()


def helps(text: str) -> Callable[[F], F]:
    """A command's --help text, marked for the catalogue: `@helps(N_("..."))` instead of a docstring
    (for commands registered with `app.command("name")(function)`)."""
    def mark(function: F) -> F:
        function.__doc__ = text
        return function
    return mark


def label(value: str | None) -> str | None:
    """A stored vocabulary value ("went wrong", "materialised", "red") in the reader's language;
    anything else (a project's name, a lesson's words) as it is."""
    from kb.vocab import SHOWN_VALUES

    return _(value) if value in SHOWN_VALUES else value


@cache
def _translated_context(context_class: type) -> type:
    """`context_class` (typer's own copy of click's) whose usage line starts with "Usage:" translated."""
    class Formatter(context_class.formatter_class):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, f"{_(USAGE)} " if prefix is None else prefix)

    return type(context_class.__name__, (context_class,), {"formatter_class": Formatter})


def translate_help(command: Any) -> None:
    """Every help text of `command` and its subcommands in the current language (they hold English msgids)."""
    for attribute in ("help", "short_help", "epilog"):
        if text := getattr(command, attribute, None):
            setattr(command, attribute, _(text))
    for param in command.params:
        if text := getattr(param, "help", None):
            param.help = _(text)
    help_option = command.get_help_option(command.context_class(command))  # click makes it lazily, in English
    if help_option is not None:
        help_option.help = _(HELP_OPTION)
    command.context_class = _translated_context(command.context_class)
    for subcommand in getattr(command, "commands", {}).values():
        translate_help(subcommand)


class KBGroup(TyperGroup):
    """The `kb` command group: each run speaks `KB_LANGUAGE`, its help included."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with speaking():
            translate_help(self)
            return super().main(*args, **kwargs)
