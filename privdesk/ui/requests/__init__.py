"""The Requests area: the officer's queue over SQL-paged models, the detail pane and dialogs."""

from privdesk.ui.requests.pane import RequestsPane

__all__ = ["RequestsPane"]
