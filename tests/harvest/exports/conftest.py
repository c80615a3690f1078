"""The web tests' fixtures, for exports made through the workspace."""

from tests.web.conftest import client, staff  # noqa: F401 - shared fixtures
