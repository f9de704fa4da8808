"""Imports every model module so that ``Base.metadata`` is complete (Alembic, tests).

One module per capability; add yours to the import below.
"""

from privdesk.store import (  # noqa: F401
    breach_models,
    casefile_models,
    discovery_models,
    erasure_models,
    hardening_models,
    legal_models,
    models,
    request_models,
    ropa_models,
)
from privdesk.store.base import Base

metadata = Base.metadata
