"""The reading tests reuse the web tests' app client."""

from tests.web.conftest import client  # noqa: F401 - the web tests' fixture, shared
