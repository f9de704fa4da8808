"""``python -m privdesk``."""

import sys

from privdesk.cli import main

sys.exit(main())
