"""An audit timeline in sentences, with the raw record of the selected entry a click away.

Signals:
    none; the raw view below the list follows the selection.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from privdesk.services import settings as settings_svc
from privdesk.services.audit import AuditEvent
from privdesk.services.audit_text import Sentences
from privdesk.services.context import AppContext
from privdesk.ui.vocabulary import format_date

RawRole = Qt.ItemDataRole.UserRole + 1


def sentences_for(ctx: AppContext) -> Sentences:
    """Sentences with this organisation's officer names and the locale's date format."""
    officers = settings_svc.list_officers(ctx, include_inactive=True)
    return Sentences({o.email: o.name for o in officers}, {o.id: o.name for o in officers if o.id is not None},
                     format_date)


class Timeline(QWidget):
    """The list of sentences (``list``) and, when asked for, the raw entry (``raw``)."""

    def __init__(self, ctx: AppContext, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.empty_text = ctx, empty_text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(lambda *_: self._show_raw())
        layout.addWidget(self.list, 1)
        self.raw_button = QToolButton()
        self.raw_button.setObjectName("rawRecordButton")
        self.raw_button.setText(self.tr("Show the recorded entry"))
        self.raw_button.setCheckable(True)
        self.raw_button.setToolTip(self.tr("The entry exactly as the audit trail holds it (hash-chained)"))
        self.raw_button.toggled.connect(lambda _on: self._show_raw())
        layout.addWidget(self.raw_button)
        self.raw = QPlainTextEdit()
        self.raw.setObjectName("rawRecord")
        self.raw.setReadOnly(True)
        self.raw.setMaximumHeight(120)
        self.raw.hide()
        layout.addWidget(self.raw)

    # QListWidget-like access, so callers and tests read items as before
    def count(self) -> int:
        return self.list.count()

    def item(self, row: int) -> QListWidgetItem | None:
        return self.list.item(row)

    def clear(self) -> None:
        self.list.clear()
        self.raw.clear()

    def show_events(self, events: Iterable[AuditEvent]) -> None:
        self.clear()
        words = sentences_for(self.ctx)
        for e in events:
            item = QListWidgetItem(f"{words.when(e)} — {words.sentence(e)}")
            raw = words.raw(e)
            item.setData(RawRole, raw)
            item.setToolTip(words.changes(e) or raw)
            self.list.addItem(item)
        if not self.list.count():
            placeholder = QListWidgetItem(self.empty_text)
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(placeholder)
        else:
            self.list.scrollToBottom()

    def _show_raw(self) -> None:
        item = self.list.currentItem()
        raw = item.data(RawRole) if item is not None else None
        self.raw.setVisible(self.raw_button.isChecked())
        self.raw.setPlainText(str(raw) if raw else self.tr("Select an entry to see it as recorded."))
