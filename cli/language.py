"""The language `kb` speaks: `KB_LANGUAGE` (from the environment or `.env`), read once per run.

Help texts are written in English and marked with `N_`; typer builds its click commands only when
`kb` runs, so `KBGroup.main` translates the built tree then, after the language is known. That
keeps `kb --help` in the reader's language without reading settings at import time, and lets a
test run the same `app` in either language. Messages are translated where they are printed.
"""

from __future__ import annotations

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
    names = [name for name in (*CHROME, "_make_rich_text") if hasattr(typer.rich_utils, name)]
    saved = {name: getattr(typer.rich_utils, name) for name in names}
    with i18n.using(language):
        try:
            for name, text in CHROME.items():
                if name in saved:
                    setattr(typer.rich_utils, name, _(text))
            if "_make_rich_text" in saved:
                typer.rich_utils._make_rich_text = _folding(saved["_make_rich_text"])
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
