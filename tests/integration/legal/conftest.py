"""The breach fixtures serve the legal-review tests too."""

from tests.integration.breaches.conftest import breach, org_ctx  # noqa: F401
