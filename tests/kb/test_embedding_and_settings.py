"""The packaged model loads offline and means what it says; every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from kb.settings import Settings

README = Path(__file__).parents[2] / "README.md"


def test_real_model_puts_related_lessons_closer(embedder):
    vecs = embedder.embed_batch([
        "Legacy customer data was full of duplicates and failed reconciliation at cutover",
        "Data cleansing of old records was underestimated before the migration",
        "The office move was delayed because the fit-out contractor was late",
    ])
    assert vecs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.1


def test_queries_through_the_traced_graph_get_the_models_own_vectors(embedder):
    """Queries run through a TorchScript trace of the model (one call, so a busy server does not make
    each layer wait for the GIL); what they get must be what the model gives: single, batched with
    padding, with spaces around, Chinese, and longer than the model reads."""
    from kb.embedding import TracedQueries

    texts = ["vendor delays", "  what went wrong with data migration testing on ERP projects  ", "数据迁移测试不充分",
             "x", "cutover rehearsal " * 200]
    assert isinstance(embedder._traced(), TracedQueries)
    reference = embedder.embed_batch(texts)
    assert np.allclose(embedder.embed_queries(texts), reference, atol=1e-6)
    for text, row in zip(texts, reference):
        assert np.allclose(embedder.embed_query(text), row, atol=1e-6)
    assert embedder.embed_queries(texts).dtype == np.float32


def test_a_very_long_lesson_is_read_as_far_as_the_models_can_use_it(embedder):
    """One 2 MB paragraph (a report pasted into one cell) once took USE past 24 GB: each model is
    given its first TEXT_CHARS characters, and the vectors are those of that beginning."""
    from kb.embedding import TEXT_CHARS, UniversalSentenceEncoder

    use = UniversalSentenceEncoder()
    seen: list[int] = []
    encode = use.model.encode
    use.model.encode = lambda texts: (seen.extend(len(t) for t in texts), encode(texts))[1]
    text = "The vendor delivered the interfaces late and testing lost two weeks. " * 30_000
    long, start = use.embed_batch([text, text[:TEXT_CHARS]])
    assert seen == [TEXT_CHARS, TEXT_CHARS] and np.allclose(long, start)
    assert np.allclose(embedder.embed_batch([text])[0], embedder.embed_batch([text[:TEXT_CHARS]])[0], atol=1e-5)


def test_a_model_of_another_shape_is_run_as_before():
    from kb.embedding import TracedQueries

    class Module:
        pass

    assert TracedQueries.of([Module(), Module()]) is None


def test_settings_come_from_kb_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql+psycopg://kb@localhost/kb")
    s = Settings(_env_file=None)
    assert s.data_dir == tmp_path and s.sqlalchemy_url.startswith("postgresql")
    monkeypatch.delenv("KB_DATABASE_URL")
    assert Settings(data_dir=tmp_path, _env_file=None).sqlalchemy_url == f"sqlite:///{tmp_path / 'kb.sqlite3'}"


def test_every_setting_is_documented_in_the_readme():
    readme = README.read_text()
    missing = [f"KB_{name.upper()}" for name in Settings.model_fields
               if not re.search(rf"\bKB_{name.upper()}\b", readme)]
    assert not missing, f"undocumented settings: {missing}"
