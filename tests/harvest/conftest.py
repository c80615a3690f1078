"""Fixtures for the OAI-PMH tests: a provider on the `wiring` fixture, a clock to steer, and a way to ask."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from harvest.service import OaiProvider
from repository.domain import Item, Visibility, utcnow
from repository.services.deposit import deposit_item
from repository.services.files import add_file
from repository.services.workflow import publish_item
from tests.conftest import LIBRARIAN
from tests.factories import metadata
from tests.harvest.xsd import PAYLOADS, assert_valid
from web.wiring import Wiring

BASE_URL = "https://repository.qou.test"
HOST = "repository.qou.test"
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def oai_id(item: Item | str) -> str:
    return f"oai:{HOST}:{item if isinstance(item, str) else item.id}"


@pytest.fixture
def oai_wiring(wiring: Wiring) -> Wiring:
    """The wiring with a public host name (an IP address cannot be an oai-identifier) and small pages."""
    settings = wiring.settings.model_copy(update={"base_url": BASE_URL, "oai_page_size": 4})
    return Wiring(settings=settings, engine=wiring.engine, store=wiring.store)


@pytest.fixture
def clock() -> Clock:
    # A little ahead of the wall clock, so records made "now" by the factories are already history.
    return Clock(utcnow() + timedelta(seconds=5))


@pytest.fixture
def provider(oai_wiring: Wiring, clock: Clock) -> OaiProvider:
    return OaiProvider(oai_wiring.engine, oai_wiring.settings, clock=clock)


Ask = Callable[..., etree._Element]


@pytest.fixture
def ask(provider: OaiProvider) -> Ask:
    """ask(verb, schema=prefix, **arguments) → the response, already validated against the XSDs."""

    def _ask(verb: str, schema: str | None = None, **arguments: str) -> etree._Element:
        pairs = [("verb", verb)] + [(name.rstrip("_"), value) for name, value in arguments.items()]
        prefix = arguments.get("metadataPrefix", "oai_dc")
        return assert_valid(provider.respond(pairs), schema or (prefix if prefix in PAYLOADS else "oai_dc"))

    return _ask


def error_code(response: etree._Element) -> str | None:
    error = response.find("oai:error", NS)
    return None if error is None else error.get("code")


def harvest(ask: Ask, verb: str = "ListIdentifiers", **arguments: str) -> list[etree._Element]:
    """Every header of a complete list request, following resumption tokens."""
    prefix = arguments.setdefault("metadataPrefix", "oai_dc")
    response = ask(verb, **arguments)
    headers: list[etree._Element] = []
    while True:
        if error_code(response) == "noRecordsMatch" and not headers:
            return []
        assert error_code(response) is None, etree.tostring(response)
        headers += response.findall(".//oai:header", NS)
        token = response.find(".//oai:resumptionToken", NS)
        if token is None or not token.text:
            return headers
        response = ask(verb, schema=prefix, resumptionToken=token.text)


def identifiers(headers: list[etree._Element]) -> list[str]:
    return [h.findtext("oai:identifier", namespaces=NS) or "" for h in headers]


def deleted(headers: list[etree._Element]) -> set[str]:
    return {h.findtext("oai:identifier", namespaces=NS) or "" for h in headers if h.get("status") == "deleted"}


def publish_at(
    wiring: Wiring,
    collection: str,
    at: datetime,
    title: str = "A study of libraries",
    *,
    files: dict[str, bytes] | None = None,
    visibility: Visibility = Visibility.PUBLIC,
    **extra: Any,
) -> Item:
    """An item deposited, given its files and published at `at`, through the services."""

    def at_clock() -> datetime:
        return at

    item = deposit_item(
        wiring.uow(), LIBRARIAN, collection, metadata(title, **extra), visibility=visibility, clock=at_clock
    )
    for name, data in (files or {}).items():
        add_file(wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(data), name, clock=at_clock)
    return publish_item(wiring.uow(), LIBRARIAN, item.id, clock=at_clock)
