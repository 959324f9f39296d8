"""The one settings class. Every setting is read from a `KB_`-prefixed
environment variable (or a `.env` file) and documented in the README."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    """Holds the SQLite file, the embedded Chroma store and the uploaded originals."""
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite at `<data_dir>/kb.sqlite3`."""
    chroma_url: str = ""
    """`http://host:port` of a Chroma server; empty means an embedded store in `<data_dir>/chroma`."""
    chroma_collection: str = "kb_items"
    embedding_model: str = ""
    """A sentence-transformers model name or local path; empty means the packaged all-MiniLM-L6-v2."""
    multilingual_model: str = "use-multilingual-v3"
    """The second model, used wherever Chinese text is involved (`kb.embedding.MULTILINGUAL_MODELS`);
    empty turns it off: Chinese text is then found by keywords only."""
    embedding_batch_size: int = 64
    embedding_threads: int = 1
    """Threads torch uses for one encoding; 0 means torch's default (one per core)."""
    question_threads: int = 2
    """Threads torch may use to encode a search question while as many cores are idle (more than
    `embedding_threads` only then); 1 keeps questions to `embedding_threads`."""
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_mb: int = 50
    """Largest file the ingest page and API accept."""
    session_hours: float = 12
    """How long a sign-in lasts; signing out or `kb users disable` ends it at once."""
    auth_header: str = ""
    """A header naming the signed-in user (e.g. X-Forwarded-User), set by a single sign-on proxy;
    empty means people sign in with a password. Honoured only from KB_TRUSTED_PROXIES."""
    trusted_proxies: str = ""
    """Comma-separated addresses or networks (10.0.0.0/8) of the proxies allowed to send KB_AUTH_HEADER."""
    admin_password: str = ""
    """The password of the PMO admin `admin` that the first `kb serve` creates; empty means a generated one."""
    max_batch_mb: int = 200
    """Largest upload request (all files of one batch together); a larger one is refused with a 413 as it streams."""
    language: str = "en"
    """The app's and the CLI's language when a reader has not chosen one (en or zh_CN); a browser's
    Accept-Language and the switch on every page choose per person."""
    allowed_hosts: str = "127.0.0.1,localhost,[::1],testserver"
    """Comma-separated host names the app answers to (others get 400), against DNS rebinding; `*` allows any."""

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'kb.sqlite3'}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def files_dir(self) -> Path:
        """Where original uploaded files are kept, named by their sha256."""
        return self.data_dir / "files"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(parents=True, exist_ok=True)
