"""The line above the queue that says which dashboard figure it shows, with a way back."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class DrillBanner(QFrame):
    """Shown while the queue lists exactly the requests of one dashboard figure.

    Signals:
        cleared(): the officer asked for the ordinary filter again.
    """

    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drillBanner")
        self.setStyleSheet("QFrame#drillBanner { background: #eff6ff; border: 1px solid #93c5fd;"
                           " border-radius: 4px; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setObjectName("drillLabel")
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.clear_button = QPushButton(self.tr("Back to the queue"))
        self.clear_button.setObjectName("drillClear")
        self.clear_button.clicked.connect(self.cleared.emit)
        layout.addWidget(self.clear_button)
        self.hide()

    def show_figure(self, text: str) -> None:
        self.label.setText(self.tr("From the dashboard: {0}").format(text))
        self.label.setToolTip(text)
        self.show()
