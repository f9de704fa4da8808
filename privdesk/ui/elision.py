"""Finding text the window cuts off: a button narrower than its label, a header section
narrower than its title. Used by the tests (every area at 1024x768) and handy when looking at a
screenshot. Cut-off text is acceptable only where a tooltip gives the whole of it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QTabBar,
    QToolButton,
    QWidget,
)


def _shown(w: QWidget, root: QWidget) -> bool:
    return w.isVisibleTo(root) and w.width() > 0


def _tip_gives(tip: str, text: str) -> bool:
    """Whether a tooltip gives the whole of a cut-off label (one that says something else does not)."""
    words = text.replace("&", "").rstrip("…").strip()
    return bool(tip) and words.casefold() in tip.casefold()


def cut_off(root: QWidget) -> list[str]:
    """Descriptions of every label cut off without a tooltip under ``root``."""
    out: list[str] = []
    for b in root.findChildren(QAbstractButton):
        if not isinstance(b, QPushButton | QToolButton) or not _shown(b, root) or not b.text():
            continue
        if b.sizeHint().width() > b.width() + 1 and not _tip_gives(b.toolTip(), b.text()):
            out.append(f"button {b.text()!r} ({b.width()} < {b.sizeHint().width()} px)")
    for h in root.findChildren(QHeaderView):
        if h.orientation() != Qt.Orientation.Horizontal or not _shown(h, root) or h.model() is None:
            continue
        model = h.model()
        fm = h.fontMetrics()
        margin = 2 * h.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, h)
        for section in range(h.count()):
            if h.isSectionHidden(section) or h.sectionSize(section) == 0:
                continue
            text = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
            need = fm.horizontalAdvance(text) + margin
            if h.isSortIndicatorShown() and h.sortIndicatorSection() == section:
                need += 12
            tip = model.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
            if need > h.sectionSize(section) and not tip:
                out.append(f"header {text!r} ({h.sectionSize(section)} < {need} px)")
    for bar in root.findChildren(QTabBar):
        if not _shown(bar, root):
            continue
        for i in range(bar.count()):
            text = bar.tabText(i).replace("&", "")
            if bar.fontMetrics().horizontalAdvance(text) > bar.tabRect(i).width() and not bar.tabToolTip(i):
                out.append(f"tab {text!r}")
    out.extend(_cut_off_cells(root))
    return out


def _cut_off_cells(root: QWidget, rows: int = 100) -> list[str]:
    """Cells of the first ``rows`` rows whose text the view elides ("jonas.becker@northwi…")
    and that give no tooltip; cells drawn by a delegate of their own or a widget are skipped."""
    out: list[str] = []
    for view in root.findChildren(QAbstractItemView):
        model = view.model()
        if model is None or not _shown(view, root) or view.textElideMode() == Qt.TextElideMode.ElideNone:
            continue
        fm = view.fontMetrics()
        pad = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
        top = view.rootIndex()
        columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(top)
        for col in range(columns):
            delegate = view.itemDelegateForColumn(col) or view.itemDelegate()
            if type(delegate) is not QStyledItemDelegate:
                continue
            for row in range(min(model.rowCount(top), rows)):
                index = model.index(row, col, top)
                rect = view.visualRect(index)
                text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
                if not text or rect.width() <= 0 or view.indexWidget(index) is not None:
                    continue
                need = fm.horizontalAdvance(text) + pad
                if index.data(Qt.ItemDataRole.DecorationRole) is not None:
                    need += view.iconSize().width() + 4
                if index.data(Qt.ItemDataRole.CheckStateRole) is not None:
                    need += view.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, view) + 4
                if need <= rect.width() or index.data(Qt.ItemDataRole.ToolTipRole):
                    continue
                wraps = getattr(view, "wordWrap", lambda: False)()
                words_fit = max(fm.horizontalAdvance(w) for w in text.split()) + pad <= rect.width()
                if wraps and words_fit and fm.boundingRect(QRect(0, 0, rect.width() - pad, 10_000),
                                             Qt.TextFlag.TextWordWrap, text).height() <= rect.height():
                    continue  # wrapped onto the lines the row has
                title = model.headerData(col, Qt.Orientation.Horizontal)
                out.append(f"cell {text!r} in {title!r} ({rect.width()} < {need} px)")
    return out
