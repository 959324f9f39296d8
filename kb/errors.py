"""Domain exceptions. Messages are written for the person who has to act on them;
only the web layer (web/errors.py) and the CLI turn them into HTTP statuses or exit codes.

A message is translated where it is raised: `raise LessonNotFound(_("No lesson with id %(id)s.") % {...})`.
The language is the request's (set per request by web/language.py) or the CLI's (KB_LANGUAGE), so an
error already reads in its reader's language when the web layer or the CLI shows `str(exc)`."""


class KBError(Exception):
    """Base class of every error a user can act on."""


class UnsupportedFormat(KBError):
    """A file whose type we do not read."""


class InvalidDocument(KBError):
    """A file we can read in principle but whose content is broken or empty."""


class InvalidRegister(InvalidDocument):
    """A CSV/XLSX/JSONL register whose columns we cannot map."""


class NotFound(KBError):
    """Base class of the 'no such lesson, risk, project or document' errors."""


class LessonNotFound(NotFound):
    pass


class RiskNotFound(NotFound):
    pass


class ProjectNotFound(NotFound):
    pass


class DocumentNotFound(NotFound):
    pass


class IndexUnavailable(KBError):
    """The vector index (Chroma) could not be reached or written."""


class StorageUnavailable(KBError):
    """The database or the data directory cannot be written (locked, disk full, permissions):
    nothing is wrong with what the user sent, so the message says what to fix and to try again."""
