"""Settings > Law files: every rule of each law in force with its value, citation and review date.

The same rows as ``privdesk law show`` (:func:`privdesk.domain.law_summary.rule_rows`), so a legal
team can check the shipped files, and the organisation's own files, from the window.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.services import law_files
from privdesk.services.context import AppContext


class LawFilesView(QGroupBox):
    """Pick a law, read its rules. Read-only: law files are edited as files (see the README)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Law files"), parent)
        self.setObjectName("lawFiles")
        self.ctx = ctx
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "The rules PrivDesk applies, each with its citation. They are a starting point that your "
            "legal team must check; add your own files with <tt>privdesk law add FILE</tt>."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.laws = QComboBox()
        self.laws.setObjectName("lawChoice")
        layout.addWidget(self.laws)
        self.summary = QLabel()
        self.summary.setObjectName("lawSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.rules = QTableWidget(0, 3)
        self.rules.setObjectName("lawRules")
        self.rules.setHorizontalHeaderLabels([self.tr("Rule"), self.tr("Value"), self.tr("Citation")])
        header = self.rules.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.rules.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rules.setWordWrap(True)
        self.rules.verticalHeader().hide()
        self.rules.setMinimumHeight(260)
        layout.addWidget(self.rules)
        self.refused = QLabel()
        self.refused.setObjectName("lawRefused")
        self.refused.setWordWrap(True)
        self.refused.setStyleSheet("color: #b91c1c;")
        layout.addWidget(self.refused)
        self.laws.currentIndexChanged.connect(lambda *_: self.show_law())
        self.reload()

    def reload(self) -> None:
        listing = law_files.list_laws(self.ctx)
        self.laws.blockSignals(True)
        self.laws.clear()
        for rule in listing.laws:
            own = self.tr(", the organisation's own") if rule.origin == "organisation" else ""
            self.laws.addItem(self.tr("{0} — {1} (reviewed {2}{3})").format(
                rule.short_name, rule.name, rule.reviewed, own), rule.id)
        self.laws.blockSignals(False)
        self.refused.setText("\n".join(self.tr("Refused: {0}").format(p) for p in listing.problems))
        self.refused.setVisible(bool(listing.problems))
        self.show_law()

    def select(self, law_id: str) -> None:
        self.laws.setCurrentIndex(self.laws.findData(law_id))

    def show_law(self) -> None:
        law_id = self.laws.currentData()
        if not law_id:
            self.rules.setRowCount(0)
            return
        rule, rows = law_files.show_law(self.ctx, str(law_id))
        self.summary.setText(self.tr("{0}, {1}. Reviewed {2}. Sources: {3}").format(
            rule.name, rule.jurisdiction, rule.reviewed, "; ".join(rule.sources)))
        self.rules.setRowCount(len(rows))
        for n, row in enumerate(rows):
            for col, text in enumerate((row.key, row.value, row.citation)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.rules.setItem(n, col, item)
        self.rules.resizeRowsToContents()
