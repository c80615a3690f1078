"""`mawrid reindex`: rebuilds the index of the configured repository and says what it did."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from indexer import service
from indexer.ports import Query
from indexer.tantivy_index import TantivyIndex
from repository.domain import ANONYMOUS, SYSTEM
from repository.services.collections import create_collection, create_community
from repository.settings import Settings
from tests.factories import make_item
from web.cli import app
from web.wiring import wire


def test_reindex_command_rebuilds_the_index(tmp_path: Path) -> None:
    wiring = wire(Settings(data_dir=tmp_path / "data", _env_file=None))  # type: ignore[call-arg]
    create_community(wiring.uow(), SYSTEM, "media", "Media", "الإعلام")
    create_collection(wiring.uow(), SYSTEM, "media", "journalism", "Journalism", "الصحافة")
    item = make_item(wiring, "journalism", "Olive farming")
    make_item(wiring, "journalism", "A draft", published=False)

    result = CliRunner().invoke(app, ["reindex"], env={"MAWRID_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    assert "1 items indexed, 1 not public" in result.output
    index = TantivyIndex(wiring.settings.index_dir)
    assert [h.id for h in service.search(index, ANONYMOUS, Query(text="olive"), cursor_key="k").hits] == [item.id]
