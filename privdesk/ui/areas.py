"""The areas of the sidebar. Only capabilities that exist are listed: no dummy pages.

Each later capability appends its area here (Requests, Search, Breaches, Dashboard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QStyle, QWidget

from privdesk.services.context import AppContext


@dataclass(frozen=True)
class Area:
    """``services``: the modules below the UI the page imports, which the window imports in a
    worker before it builds the page in the background (tests/integration/test_cli_startup.py
    keeps the list complete)."""

    key: str
    title: str
    icon: QStyle.StandardPixmap
    factory: Callable[[AppContext], QWidget]
    services: tuple[str, ...] = ()


def _requests(ctx: AppContext) -> QWidget:
    from privdesk.ui.requests import RequestsPane

    return RequestsPane(ctx)


def _search(ctx: AppContext) -> QWidget:
    from privdesk.ui.search_pane import SearchPane

    return SearchPane(ctx)


def _breaches(ctx: AppContext) -> QWidget:
    from privdesk.ui.breaches import BreachesPane

    return BreachesPane(ctx)


def _dashboard(ctx: AppContext) -> QWidget:
    from privdesk.ui.dashboard_pane import DashboardPane

    return DashboardPane(ctx)


def _register(ctx: AppContext) -> QWidget:
    from privdesk.ui.ropa_pane import RopaPane

    return RopaPane(ctx)


def _settings(ctx: AppContext) -> QWidget:
    from privdesk.ui.settings_pane import SettingsPane

    return SettingsPane(ctx)


def available_areas() -> list[Area]:
    """The areas in sidebar order."""
    return [
        Area("requests", "Requests", QStyle.StandardPixmap.SP_FileDialogListView, _requests),
        Area("search", "Search", QStyle.StandardPixmap.SP_FileDialogContentsView, _search, (
            "privdesk.services.discovery", "privdesk.services.casefile")),
        Area("breaches", "Breaches", QStyle.StandardPixmap.SP_MessageBoxWarning, _breaches, (
            "privdesk.services.breach_notices", "privdesk.services.breaches.affected",
            "privdesk.services.breaches.legal_facts", "privdesk.services.audit_text")),
        Area("dashboard", "Dashboard", QStyle.StandardPixmap.SP_FileDialogInfoView, _dashboard),
        Area("register", "Register", QStyle.StandardPixmap.SP_FileIcon, _register, ("privdesk.services.ropa",)),
        Area("settings", "Settings", QStyle.StandardPixmap.SP_FileDialogDetailedView, _settings,
             ("privdesk.domain.holiday_places",)),
    ]
