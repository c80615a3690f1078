"""Schemathesis over the whole OpenAPI schema, against the app on a real uvicorn: no answer is a 5xx.

A bounded pass (a few examples per operation, derandomised so a failure
reproduces), anonymous and with a valid API token. A longer run:
`schemathesis run http://127.0.0.1:PORT/api/openapi.json --checks not_a_server_error`
against `mawrid serve`.
"""

from __future__ import annotations

import io
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repository.services.files import add_file
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.server import served
from web.app import create_app
from web.wiring import Wiring

EXAMPLES = int(os.environ.get("MAWRID_FUZZ_EXAMPLES", "8"))


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")
def test_no_operation_of_the_api_answers_a_server_error(wiring: Wiring, collection: str, token: str) -> None:
    item = make_item(wiring, collection, published=False)
    add_file(wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf")
    make_item(wiring, collection, "Olive farming", files={"b.txt": b"olive"})
    failures: list[str] = []
    with served(create_app(wiring, sync_index=False)) as url:
        schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 20  # the whole API, not an empty schema

        for operation in operations:

            @given(case=operation.as_strategy(), bearer=st.sampled_from([None, token, "not-a-token"]))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case, bearer: str | None) -> None:
                headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
                response = case.call(base_url=url, headers=headers, timeout=30)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} {response.status_code}: {response.text[:200]}"
                    )

            run()
    assert not failures, "\n".join(failures[:20])
