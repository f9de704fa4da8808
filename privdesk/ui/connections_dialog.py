"""Managing connected databases: add, test, remove, review the identifier map (with each table's
role: person, personal data, catalogue) and the links between tables.

Testing and introspecting talk to remote servers, so they run in workers; the map's overrides
are saved to the case database as soon as the officer changes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.discovery import classify, ownership
from privdesk.discovery.errors import PasswordNeeded
from privdesk.discovery.introspect import ColumnMap
from privdesk.domain.erasure import Mask, TableDefault
from privdesk.errors import PrivDeskError
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import show_error
from privdesk.ui.links_view import LinksView
from privdesk.ui.workers import run_task

_AUTO = "auto"
ERASURE_CHOICES = (("(automatic)", ""), ("Delete rows", "delete"), ("Mask columns", "mask"), ("Keep rows", "keep"))
MASK_CHOICES = (("", ""), ("Set empty (null)", "null"), ("Keyed hash", "hash"), ("Random, same shape", "random"),
                ("Fixed text [removed]", "fixed"))


class ConnectionsDialog(QDialog):
    """Add/test/remove connections and correct the identifier map column by column."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, pool: Any = None,
                 actor: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        self.actor = actor or ctx.actor  # the window's one current officer
        self.ctx = ctx
        self.pool = pool
        self.current_map: ColumnMap | None = None
        self._loading = False
        self.setWindowTitle(self.tr("Connected databases"))
        self.resize(980, 620)
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        layout.addWidget(splitter, 1)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setObjectName("connectionList")
        self.list.currentTextChanged.connect(self._selected)
        lv.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.test_button = QPushButton(self.tr("Test"))
        self.test_button.setObjectName("testButton")
        self.test_button.clicked.connect(self.test_selected)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setObjectName("removeButton")
        self.remove_button.clicked.connect(self.remove_selected)
        self.refresh_button = QPushButton(self.tr("Refresh map"))
        self.refresh_button.setObjectName("refreshButton")
        self.refresh_button.clicked.connect(lambda: self.load_map(refresh=True))
        for b in (self.test_button, self.refresh_button, self.remove_button):
            row.addWidget(b)
        lv.addLayout(row)

        box = QGroupBox(self.tr("Add a connection"))
        form = QFormLayout(box)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("connName")
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("connUrl")
        self.url_edit.setPlaceholderText("postgresql://user@host/db · mysql://… · sqlite:////path/file.db")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("connPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("kept in the system keyring"))
        self.schemas_edit = QLineEdit()
        self.schemas_edit.setObjectName("connSchemas")
        self.schemas_edit.setPlaceholderText(self.tr("optional: public, crm (default schema if empty)"))
        self.timeout_spin = QSpinBox()
        self.timeout_spin.setObjectName("connTimeout")
        self.timeout_spin.setRange(1, 3600)
        self.timeout_spin.setValue(30)
        self.timeout_spin.setSuffix(self.tr(" s per query"))
        form.addRow(self.tr("Name:"), self.name_edit)
        form.addRow(self.tr("URL:"), self.url_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        form.addRow(self.tr("Schemas:"), self.schemas_edit)
        form.addRow(self.tr("Time limit:"), self.timeout_spin)
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.setObjectName("addButton")
        self.add_button.clicked.connect(self.add_connection)
        form.addRow("", self.add_button)
        lv.addWidget(box)
        splitter.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mapTabs")
        map_page = QWidget()
        mv = QVBoxLayout(map_page)
        intro = QLabel(self.tr("Untick a table to leave it out of searches; change a table's role or a "
                               "column's kind where PrivDesk guessed wrong. A person table's rows are "
                               "people: the search returns one only when its own identifiers match. Say once "
                               "what an erasure does with each table (and why it keeps or masks rows)."))
        intro.setObjectName("mapIntro")
        intro.setWordWrap(True)  # unwrapped, this one line opened the dialog about 2,000 px wide
        mv.addWidget(intro)
        self.map_tree = QTreeWidget()
        self.map_tree.setObjectName("mapTree")
        self.map_tree.setHeaderLabels([self.tr("Table / column"), self.tr("Type"), self.tr("Role / kind"),
                                       self.tr("Found by"), self.tr("Index"), self.tr("On erasure"),
                                       self.tr("Reason kept / masked")])
        header = self.map_tree.header()
        widths = {0: 220, 2: 260}
        for col in range(self.map_tree.columnCount()):  # each at least as wide as its heading
            self.map_tree.setColumnWidth(col, max(widths.get(col, header.defaultSectionSize()),
                                                  header.sectionSizeHint(col)))
        self.map_tree.itemChanged.connect(self._item_changed)
        mv.addWidget(self.map_tree, 1)
        self.tabs.addTab(map_page, self.tr("Identifier map"))
        self.links_view = LinksView(ctx, self, pool=pool)
        # a link changes which columns are links and so the tables' automatic roles
        self.links_view.changed.connect(lambda: self.load_map(refresh=False))
        self.tabs.addTab(self.links_view, self.tr("Links between tables"))
        rv.addWidget(self.tabs, 1)
        splitter.addWidget(right)
        splitter.setSizes([360, 620])

        self.status = QLabel()
        self.status.setObjectName("connStatus")
        # Plain text only: messages quote the server's own error text, which must never be read
        # as markup (links, images, a fake "Connected" line).
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    # -- list ------------------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        names = [c.name for c in svc.list_connections(self.ctx)]
        self.list.addItems(names)
        self.list.blockSignals(False)
        target = select if select in names else (names[0] if names else None)
        if target is not None:
            self.list.setCurrentRow(names.index(target))
        else:
            self.map_tree.clear()
        has = bool(names)
        for b in (self.test_button, self.remove_button, self.refresh_button):
            b.setEnabled(has)

    def selected(self) -> str | None:
        item = self.list.currentItem()
        return item.text() if item is not None else None

    def _selected(self, _name: str) -> None:
        self.links_view.set_connection(None)
        self.load_map(refresh=False)

    def add_connection(self) -> None:
        try:
            options: dict[str, Any] = {"statement_timeout_s": self.timeout_spin.value()}
            schemas = [x.strip() for x in self.schemas_edit.text().split(",") if x.strip()]
            if schemas:
                options["schemas"] = schemas
            info = svc.add_connection(self.ctx, self.name_edit.text(), self.url_edit.text(),
                                      self.password_edit.text() or None, options)
        except PrivDeskError as exc:
            self.status.setText(exc.message)
            show_error(self, exc)
            return
        self.password_edit.clear()
        self.name_edit.clear()
        self.url_edit.clear()
        self.schemas_edit.clear()
        self.status.setText(info.warning or self.tr("Connection {0} added.").format(info.name))
        self.reload(select=info.name)

    def remove_selected(self) -> None:
        name = self.selected()
        if name is None:
            return
        removed = svc.remove_connection(self.ctx, name, self.actor())
        said = self.tr("Connection {0} removed, with its map and saved password.").format(name)
        if removed.write_connections:
            said += " " + self.tr("Its write connection {0} was removed too.").format(
                ", ".join(removed.write_connections))
        self.status.setText(said)
        self.reload()

    def test_selected(self) -> None:
        name = self.selected()
        if name is None:
            return
        self.test_button.setEnabled(False)
        self.status.setText(self.tr("Testing {0}…").format(name))
        ctx = self.ctx

        def done(result: Any) -> None:
            self.test_button.setEnabled(True)
            self.status.setText(("\u2714 " if result.ok else "\u2716 ") + result.message)

        run_task(lambda _c: svc.test_connection(ctx, name), on_done=done, on_error=self._error, pool=self.pool)

    # -- map ---------------------------------------------------------------------------------------
    def load_map(self, refresh: bool = False) -> None:
        name = self.selected()
        if name is None:
            return
        ctx = self.ctx
        self.status.setText(self.tr("Reading the tables of {0}…").format(name))
        self.refresh_button.setEnabled(False)

        def done(cmap: ColumnMap) -> None:
            self.refresh_button.setEnabled(True)
            if cmap.connection == self.selected():
                self.show_map(cmap)
                if self.links_view.connection != cmap.connection:  # after the map: one introspection
                    self.links_view.set_connection(cmap.connection)
                self.status.setText(self.tr("{0}: {1} tables, {2} identifier columns.").format(
                    cmap.connection, len(cmap.tables), sum(len(t.identifier_columns) for t in cmap.tables)))

        run_task(lambda _c: svc.get_map(ctx, name, refresh=refresh), on_done=done, on_error=self._error,
                 pool=self.pool)

    def show_map(self, cmap: ColumnMap) -> None:
        from privdesk.services import erasure

        defaults = erasure.table_defaults(self.ctx, cmap.connection)
        self._loading = True
        self.current_map = cmap
        self.map_tree.clear()
        for t in cmap.tables:
            top = QTreeWidgetItem([t.table])
            top.setFlags(top.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            top.setCheckState(0, Qt.CheckState.Unchecked if t.excluded else Qt.CheckState.Checked)
            top.setData(0, Qt.ItemDataRole.UserRole, ("table", t.table))
            self.map_tree.addTopLevelItem(top)
            self.map_tree.setItemWidget(top, 2, self._role_combo(t.table, t.role))
            for c in t.columns:
                child = QTreeWidgetItem([c.column, c.type, "", c.source or "", "yes" if c.indexed else ""])
                child.setData(0, Qt.ItemDataRole.UserRole, ("column", t.table, c.column))
                top.addChild(child)
                combo = QComboBox()
                combo.setObjectName(f"kind:{t.table}.{c.column}")
                combo.addItem(self.tr("(automatic)"), _AUTO)
                for k in (*classify.KINDS, classify.NONE):
                    combo.addItem(classify.KIND_LABELS[k], k)
                if c.source == "override":
                    combo.setCurrentIndex(combo.findData(c.kind or classify.NONE))
                elif c.kind:
                    combo.setItemText(0, self.tr("(automatic: {0})").format(classify.KIND_LABELS[c.kind]))
                combo.currentIndexChanged.connect(
                    lambda _i, cb=combo, tb=t.table, col=c.column: self._kind_changed(tb, col, cb.currentData()))
                self.map_tree.setItemWidget(child, 2, combo)
            top.setExpanded(bool(t.identifier_columns))
            self._erasure_widgets(top, t.table, [c.column for c in t.columns], defaults.get(t.table))
        self._loading = False

    def _role_combo(self, table: str, role: ownership.TableRole) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"role:{table}")
        auto = role.role if role.source == "auto" else None
        combo.addItem(self.tr("(automatic: {0})").format(ownership.TABLE_ROLE_LABELS[auto]) if auto
                      else self.tr("(automatic)"), _AUTO)
        for r in ownership.TABLE_ROLES:
            combo.addItem(ownership.TABLE_ROLE_LABELS[r], r)
        if role.source == "override":
            combo.setCurrentIndex(combo.findData(role.role))
        combo.currentIndexChanged.connect(lambda _i, cb=combo: self._role_changed(table, cb.currentData()))
        return combo

    def _role_changed(self, table: str, role: str) -> None:
        name = self.selected()
        if name is None or self._loading:
            return
        from privdesk.services import links as lsvc

        try:
            lsvc.set_table_role(self.ctx, name, table, None if role == _AUTO else role, self.links_view.actor())
        except PrivDeskError as exc:
            self.status.setText(exc.message)
            return
        self.status.setText(self.tr("Role of {0} saved (audited).").format(table))

    def _erasure_widgets(self, top: QTreeWidgetItem, table: str, columns: list[str],
                         default: TableDefault | None) -> None:
        """Per-table erasure default (delete, mask, keep), masking per column, and the reason."""
        d = default or TableDefault()
        combo = QComboBox()
        combo.setObjectName(f"erasure:{table}")
        for label, value in ERASURE_CHOICES:
            combo.addItem(self.tr(label), value)
        combo.setCurrentIndex(max(0, combo.findData(d.action)))
        combo.currentIndexChanged.connect(lambda _i, cb=combo, tb=table: self._erasure_changed(tb, action=cb.currentData()))
        self.map_tree.setItemWidget(top, 5, combo)
        top.setText(6, d.reason)
        top.setFlags(top.flags() | Qt.ItemFlag.ItemIsEditable)
        for i, col in enumerate(columns):
            child = top.child(i)
            if child is None:
                continue
            mask = QComboBox()
            mask.setObjectName(f"mask:{table}.{col}")
            for label, value in MASK_CHOICES:
                mask.addItem(self.tr(label), value)
            current = d.masks.get(col)
            mask.setCurrentIndex(max(0, mask.findData(current.strategy if current else "")))
            mask.currentIndexChanged.connect(
                lambda _i, cb=mask, tb=table, c=col: self._erasure_changed(tb, column=c, strategy=cb.currentData()))
            self.map_tree.setItemWidget(child, 5, mask)

    def _show_action(self, table: str, action: str) -> None:
        """Keep the table's combo in step when masking a column made the table "mask"."""
        for i in range(self.map_tree.topLevelItemCount()):
            top = self.map_tree.topLevelItem(i)
            combo = self.map_tree.itemWidget(top, 5) if top is not None else None
            if top is not None and top.text(0) == table and isinstance(combo, QComboBox):
                self._loading = True
                combo.setCurrentIndex(max(0, combo.findData(action)))
                self._loading = False

    def _erasure_changed(self, table: str, action: str | None = None, column: str | None = None,
                         strategy: str | None = None, reason: str | None = None) -> None:
        name = self.selected()
        if name is None or self._loading:
            return
        from privdesk.services import erasure

        d = erasure.table_defaults(self.ctx, name).get(table, TableDefault())
        masks = dict(d.masks)
        if column is not None:
            if strategy:
                masks[column] = Mask(strategy, "[removed]" if strategy == "fixed" else "")
            else:
                masks.pop(column, None)
        new_action = d.action if action is None else action
        if column is not None and masks and not new_action:
            new_action = "mask"
        try:
            erasure.set_table_default(self.ctx, name, table, TableDefault(
                new_action, masks, d.reason if reason is None else reason, d.optout, d.optout_set), self.actor())
        except PrivDeskError as exc:
            self.status.setText(exc.message)
            return
        self._show_action(table, new_action)
        hint = self.tr(" Type the reason in the last column.") if new_action == "keep" and not (
            reason or d.reason) else ""
        self.status.setText(self.tr("Erasure setting of {0} saved.").format(table) + hint)

    def _kind_changed(self, table: str, column: str, kind: str) -> None:
        name = self.selected()
        if name is None:
            return
        svc.set_column_kind(self.ctx, name, table, column, None if kind == _AUTO else kind)
        self.status.setText(self.tr("{0}.{1} saved.").format(table, column))

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._loading or column not in (0, 6):
            return
        data = item.data(0, Qt.ItemDataRole.UserRole)
        if column == 6:
            if data and data[0] == "table":
                self._erasure_changed(data[1], reason=item.text(6).strip())
            return
        name = self.selected()
        if not data or data[0] != "table" or name is None:
            return
        excluded = item.checkState(0) != Qt.CheckState.Checked
        svc.set_table_excluded(self.ctx, name, data[1], excluded)
        self.status.setText(self.tr("{0} {1} searches.").format(
            data[1], self.tr("left out of") if excluded else self.tr("included in")))

    def _error(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.test_button.setEnabled(True)
        if isinstance(exc, PasswordNeeded):
            from privdesk.ui.passwords import ask_password

            self.password_dialog = ask_password(self, exc)
            return
        self.status.setText(str(exc))
