"""What a crosswalk needs besides the item: the public URLs, the repository's name and today's date.

Crosswalks are pure: the same item and context always give the same XML.
`today` decides embargoes, so a test can pass any day it likes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from repository.domain import FileRef, Item


@dataclass(frozen=True)
class Context:
    base_url: str  # without a trailing slash
    repository_name: str
    today: date

    def landing_page(self, item: Item) -> str:
        return f"{self.base_url}/items/{item.id}"

    def file_url(self, item: Item, file: FileRef) -> str:
        return self.base_url + file.path

    def public_files(self, item: Item) -> list[FileRef]:
        """The original files anyone may download now: none while the item is embargoed or closed."""
        return item.originals() if item.is_public(self.today) else []
