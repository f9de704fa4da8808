"""The PySide6 adapter: widgets, item models and background workers."""
