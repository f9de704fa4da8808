"""The Breaches area: the register with its clocks, a breach's detail and timeline, and the
notices (authority and individuals) written in the background."""

from privdesk.ui.breaches.pane import BreachesPane

__all__ = ["BreachesPane"]
