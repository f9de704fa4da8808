"""``python -m privdesk``, and the entry point of the frozen (PyInstaller) app."""

import sys

if __name__ == "__main__":
    # The letter and breach-notice batches run in "spawn" worker processes. A frozen app starts
    # each worker by re-running its own executable; freeze_support() turns that run into the
    # worker instead of a second PrivDesk. It does nothing when not frozen, so multiprocessing
    # (0.02 s to import) is imported only in the frozen app.
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()
    from privdesk.cli import main

    sys.exit(main())
