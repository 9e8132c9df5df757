"""`python -m steppe` is the `steppe` command."""

import sys

from steppe.cli import main

sys.exit(main())
