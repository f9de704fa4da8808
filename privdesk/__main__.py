"""``python -m privdesk``, and the entry point of the frozen (PyInstaller) app."""

import multiprocessing
import sys

if __name__ == "__main__":
    # The letter and breach-notice batches run in "spawn" worker processes. A frozen app starts
    # each worker by re-running its own executable; freeze_support() turns that run into the
    # worker instead of a second PrivDesk (a no-op when not frozen).
    multiprocessing.freeze_support()
    from privdesk.cli import main

    sys.exit(main())
