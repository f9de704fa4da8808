"""A one-line label that shortens its text with "…" when space runs out (the status bar at
1024 px holds the officer, the case database, the request badge and the breach clock)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    """Shows its text when it fits, else its ``short`` text (when given), ending in "…" if even
    that is too wide; the full text is the tooltip unless a tooltip is set explicitly."""

    def __init__(self, text: str = "", parent: QWidget | None = None, min_chars: int = 4,
                 short: str = "") -> None:
        super().__init__(text, parent)
        self._min_chars = min_chars
        self.short = short

    def minimumSizeHint(self) -> QSize:
        """Small enough to give way to the badges, wide enough to stay recognisable."""
        hint = super().minimumSizeHint()
        width = self.fontMetrics().horizontalAdvance("M" * self._min_chars)
        return QSize(min(hint.width(), width), hint.height())

    def setText(self, text: str) -> None:
        super().setText(text)
        if not self.toolTip():
            self.setToolTip(text)

    def elided(self) -> str:
        """The text as drawn at the current width."""
        margins = self.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        metrics = self.fontMetrics()
        text = self.text()
        if self.short and metrics.horizontalAdvance(text) > width:
            text = self.short
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.elided())
