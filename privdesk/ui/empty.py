"""Empty states: an empty list or table says what will appear in it and how to get it there,
instead of showing a blank box."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel
from shiboken6 import isValid


class EmptyHint(QObject):
    """A grey sentence centred in ``view`` while its model has no rows."""

    def __init__(self, view: QAbstractItemView, text: str) -> None:
        super().__init__(view)
        self.view = view
        self.label = QLabel(text, view.viewport())
        self.label.setObjectName("emptyHint")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet("color:#6b7280; padding:12px;")
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.layoutChanged):
            signal.connect(self.update)
        self.update()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.label.setGeometry(self.view.viewport().rect())
        return False

    def update(self, *_args: object) -> None:
        # the model announces its rows going away while the view is being destroyed
        if not (isValid(self.view) and isValid(self.label)):
            return
        self.label.setGeometry(self.view.viewport().rect())
        self.label.setVisible(self.view.model().rowCount() == 0)


def set_empty_text(view: QAbstractItemView, text: str) -> EmptyHint:
    return EmptyHint(view, text)
