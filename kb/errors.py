"""Domain exceptions. Messages are written for the person who has to act on them;
only the web layer and the CLI turn them into HTTP statuses or exit codes."""


class KBError(Exception):
    """Base class; `status` is the HTTP status the web layer should use."""

    status = 400


class UnsupportedFormat(KBError):
    status = 415


class InvalidDocument(KBError):
    """A file we can read in principle but whose content is broken or empty."""

    status = 422


class InvalidRegister(InvalidDocument):
    """A CSV/XLSX/JSONL register whose columns we cannot map."""


class NotFound(KBError):
    status = 404


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

    status = 503
