"""Highlighted snippets, cut from stored text by the same analysis the index used (pure).

tantivy's own snippet generator re-tokenises stored text with the field's
tokenizer, which cannot be our Python analysis, so the embedded backend
makes its snippets here: the best page is found by a quick pass over each
page's terms (stopping early once a page holds every query term), then the
densest window of that page is cut out and its matching words marked.
Elasticsearch highlights on the server instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.analysis import finder, word_terms
from indexer.documents import TextPart
from indexer.ports import Snippet

WINDOW = 240  # characters of text around the matches
LEAD = 60  # characters of context before the first match
MAX_SCAN_CHARS = 1_000_000  # past this much text the best page found so far is used
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class QueryTerms:
    """The analysed terms (and prefixes) a reader searched for: what to mark."""

    exact: frozenset[str]
    prefixes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)

    def matches(self, term: str) -> bool:
        return term in self.exact or (bool(self.prefixes) and term.startswith(self.prefixes))

    def found(self, terms: Iterable[str]) -> set[str]:
        present = set(terms)
        hits = present & self.exact
        if self.prefixes:
            hits |= {t for t in present if t.startswith(self.prefixes)}
        return hits


def best_snippet(parts: Sequence[TextPart], query: QueryTerms) -> Snippet | None:
    """A snippet from the page holding the most distinct query terms; None when no page matches."""
    if not query:
        return None
    wanted = len(query.exact) + len(query.prefixes)
    best: tuple[int, TextPart, dict[str, str]] | None = None
    scanned = 0
    for part in parts:
        if scanned > MAX_SCAN_CHARS:
            break
        scanned += len(part.text)
        vocabulary = word_terms(part.text)
        found = len(query.found(vocabulary.values()))
        if found and (best is None or found > best[0]):
            best = (found, part, vocabulary)
            if found >= wanted:
                break
    if best is None:
        return None
    _, part, vocabulary = best
    return snippet_of(part.text, query, part.source, page=part.page, file_id=part.file_id, vocabulary=vocabulary)


def snippet_of(
    text: str,
    query: QueryTerms,
    source: str,
    *,
    page: int | None = None,
    file_id: int | None = None,
    vocabulary: dict[str, str] | None = None,
) -> Snippet | None:
    """The window of `text` with the most distinct query terms, matches marked; None when nothing matches.

    Only the distinct words of the text are analysed (`vocabulary`, when the caller has it already);
    the words that match are then found in the raw text by one regular expression.
    """
    vocabulary = word_terms(text) if vocabulary is None else vocabulary
    forms = {word: term for word, term in vocabulary.items() if query.matches(term)}
    if not forms:
        return None
    matches = [(m.start(), m.end(), forms[m.group()]) for m in finder(forms).finditer(text)]
    first = _densest(matches)
    start = _word_start(text, max(0, matches[first][0] - LEAD))
    end = _word_end(text, min(len(text), start + WINDOW))
    spans = [(s - start, e - start) for s, e, _ in matches if s >= start and e <= end]
    body, spans = _collapse(text[start:end], spans)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    shifted = tuple((s + len(prefix), e + len(prefix)) for s, e in spans)
    return Snippet(prefix + body + suffix, shifted, source, page, file_id)


def head(text: str, source: str) -> Snippet | None:
    """The opening of a text, unmarked: shown when the match was elsewhere (a title, an author)."""
    if not text.strip():
        return None
    end = _word_end(text, min(len(text), WINDOW))
    body, _ = _collapse(text[:end], [])
    return Snippet(body + (" …" if end < len(text) else ""), (), source)


def _densest(matches: list[tuple[int, int, str]]) -> int:
    """Index of the match that opens the window with the most distinct terms (then the most matches)."""
    best, best_score = 0, (0, 0)
    in_window: Counter[str] = Counter()
    j = 0
    for i, (start, _, _) in enumerate(matches):
        while j < len(matches) and (j == i or matches[j][1] <= start + WINDOW - LEAD):
            in_window[matches[j][2]] += 1
            j += 1
        score = (len(in_window), sum(in_window.values()))
        if score > best_score:
            best, best_score = i, score
        in_window[matches[i][2]] -= 1
        if not in_window[matches[i][2]]:
            del in_window[matches[i][2]]
    return best


def _word_start(text: str, i: int) -> int:
    while 0 < i < len(text) and not text[i - 1].isspace():
        i -= 1
    return i


def _word_end(text: str, i: int) -> int:
    while i < len(text) and not text[i].isspace():
        i += 1
    return i


def _collapse(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Fold runs of whitespace (page breaks, line ends) into one space, moving the spans along."""
    out: list[str] = []
    moved: list[tuple[int, int]] = []
    length, last = 0, 0
    for s, e in spans:
        gap = _SPACE.sub(" ", text[last:s])
        out += [gap, text[s:e]]
        length += len(gap)
        moved.append((length, length + e - s))
        length += e - s
        last = e
    out.append(_SPACE.sub(" ", text[last:]))
    joined = "".join(out)
    lead = len(joined) - len(joined.lstrip())
    return joined.strip(), [(s - lead, e - lead) for s, e in moved]
