"""The language `kb` speaks: `KB_LANGUAGE` (from the environment or `.env`), read once per run.

Help texts are written in English and marked with `N_`; typer builds its click commands only when
`kb` runs, so `KBGroup.main` translates the built tree then, after the language is known. That
keeps `kb --help` in the reader's language without reading settings at import time, and lets a
test run the same `app` in either language. Messages are translated where they are printed.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

import click
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
    saved = {name: getattr(typer.rich_utils, name) for name in CHROME}
    with i18n.using(language):
        try:
            for name, text in CHROME.items():
                setattr(typer.rich_utils, name, _(text))
            yield language
        finally:
            for name, text in saved.items():
                setattr(typer.rich_utils, name, text)


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


class _Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, f"{_(USAGE)} " if prefix is None else prefix)


class _Context(click.Context):
    formatter_class = _Formatter


def translate_help(command: click.Command) -> None:
    """Every help text of `command` and its subcommands in the current language (they hold English msgids)."""
    for attribute in ("help", "short_help", "epilog"):
        if text := getattr(command, attribute, None):
            setattr(command, attribute, _(text))
    for param in command.params:
        if text := getattr(param, "help", None):
            param.help = _(text)
    help_option = command.get_help_option(click.Context(command))  # click makes it lazily, in English
    if help_option is not None:
        help_option.help = _(HELP_OPTION)
    command.context_class = _Context
    for subcommand in getattr(command, "commands", {}).values():
        translate_help(subcommand)


class KBGroup(TyperGroup):
    """The `kb` command group: each run speaks `KB_LANGUAGE`, its help included."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with speaking():
            translate_help(self)
            return super().main(*args, **kwargs)
