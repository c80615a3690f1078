"""Page numbers for long lists: which slice to show and the links to the others."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import URL, QueryParams


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int
    url: URL

    @classmethod
    def of(cls, url: URL, page: int, total: int, per_page: int = 20) -> Pager:
        last = max(1, -(-total // per_page))
        return cls(min(max(1, page), last), per_page, total, url)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_shown(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last_shown(self) -> int:
        return min(self.total, self.offset + self.per_page)

    def href(self, page: int) -> str:
        # A search's continuation cursor belongs to one page: numbered links replace it.
        params = [(k, v) for k, v in QueryParams(self.url.query).multi_items() if k not in ("page", "cursor", "start")]
        if page > 1:
            params.append(("page", str(page)))
        return self.url.path + (f"?{urlencode(params)}" if params else "")

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers around the current one, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
        shown = sorted({1, self.pages, *range(max(1, self.page - size), min(self.pages, self.page + size) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out
