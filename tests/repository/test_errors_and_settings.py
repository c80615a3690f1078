from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from repository import errors
from repository.settings import Settings
from web.api import tus
from web.errors import InvalidRequest, MethodNotAllowed, problem

# The edge each error shows: (HTTP status, CLI exit code, problem slug). Pinned so an edge never drifts.
SHAPES = {
    errors.MawridError: (500, 1, "internal"),
    errors.NotFound: (404, 3, "not-found"),
    errors.Gone: (410, 3, "gone"),
    errors.InvalidMetadata: (422, 4, "invalid-metadata"),
    errors.InvalidInput: (400, 4, "invalid-input"),
    errors.Conflict: (409, 5, "conflict"),
    errors.TooLarge: (413, 6, "too-large"),
    errors.Forbidden: (403, 7, "forbidden"),
    errors.Unauthorized: (401, 7, "unauthorized"),
    errors.TooManyAttempts: (429, 7, "too-many-attempts"),
    errors.UnsupportedFormat: (415, 8, "unsupported-format"),
    errors.StoreUnavailable: (503, 9, "store-unavailable"),
    errors.DirectoryUnavailable: (503, 9, "directory-unavailable"),
    errors.FormatUnavailable: (503, 9, "format-unavailable"),
    errors.IntegrityError: (500, 10, "integrity"),
    errors.ExtractionFailed: (500, 11, "extraction-failed"),
    errors.LimitExceeded: (422, 11, "limit-exceeded"),
    errors.Abandoned: (503, 12, "abandoned"),
    # the web's own: the framework's refusals and the tus protocol's
    InvalidRequest: (422, 4, "invalid-input"),
    MethodNotAllowed: (405, 4, "method-not-allowed"),
    tus.PreconditionFailed: (412, 4, "unsupported-tus-version"),
    tus.UploadLocked: (423, 5, "upload-locked"),
}
# Errors whose constructor takes more than a message.
MAKERS: dict[type[errors.MawridError], Callable[[str], errors.MawridError]] = {
    errors.TooManyAttempts: lambda message: errors.TooManyAttempts(message, retry_after=30),
}


def family() -> Iterator[type[errors.MawridError]]:
    """MawridError and every subclass of it, at any depth, in every module of the project."""
    for package in ("repository", "indexer", "harvest", "web"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    pending: list[type[errors.MawridError]] = [errors.MawridError]
    while pending:
        cls = pending.pop()
        yield cls
        pending.extend(cls.__subclasses__())


def make(cls: type[errors.MawridError], message: str) -> errors.MawridError:
    return MAKERS.get(cls, cls)(message)


@pytest.mark.parametrize(("cls", "shape"), SHAPES.items(), ids=lambda v: getattr(v, "__name__", ""))
def test_error_shape(cls: type[errors.MawridError], shape: tuple[int, int, str]) -> None:
    exc = make(cls, "something is wrong")
    assert (exc.http_status, exc.exit_code, exc.slug) == shape
    assert exc.message == str(exc) == "something is wrong"


def test_every_error_class_is_pinned() -> None:
    assert set(family()) == set(SHAPES)


@pytest.mark.parametrize("cls", sorted(family(), key=lambda c: c.__qualname__), ids=lambda c: c.__qualname__)
def test_every_error_renders_the_problem_shape(cls: type[errors.MawridError]) -> None:
    exc = make(cls, "something is wrong")
    # the edges read the class: no instance may carry a status or slug of its own
    assert not {"http_status", "exit_code", "slug"} & set(vars(exc))
    assert 400 <= exc.http_status < 600 and exc.exit_code not in (0, 2) and exc.slug
    body = problem(exc, "/somewhere")
    assert body["status"] == cls.http_status and body["detail"] == "something is wrong"
    assert body["type"] == f"https://mawrid.example/problems/{cls.slug}" and body["instance"] == "/somewhere"
    assert body["title"] == cls.slug.replace("-", " ")


def test_defaults_are_embedded(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert s.resolved_database_url == f"sqlite:///{(tmp_path / 'mawrid.sqlite3').resolve()}"
    assert not s.uses_s3 and s.elasticsearch_url is None


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    first = s.secret()
    assert len(first) >= 40 and first == Settings(data_dir=tmp_path, _env_file=None).secret()  # type: ignore[call-arg]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAWRID_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MAWRID_S3_BUCKET", "objects")
    monkeypatch.setenv("MAWRID_S3_SECRET_ACCESS_KEY", "very-secret")
    monkeypatch.setenv("MAWRID_MAX_UPLOAD_BYTES", "1000")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.uses_s3 and s.max_upload_bytes == 1000
    shown = s.effective()
    assert shown["MAWRID_S3_SECRET_ACCESS_KEY"] == "***"
    assert "very-secret" not in str(shown)


def test_bad_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAWRID_MAX_UPLOAD_BYTES", "-5")
    with pytest.raises(ValueError, match="max_upload_bytes"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_one_search_cluster_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAWRID_OPENSEARCH_URL", "http://os.internal:9200")
    monkeypatch.setenv("MAWRID_ELASTICSEARCH_URL", "http://es.internal:9200")
    with pytest.raises(ValueError, match="not both"):
        Settings(_env_file=None)  # type: ignore[call-arg]
