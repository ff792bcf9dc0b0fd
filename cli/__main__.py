"""`python -m cli ...` runs the `cxtext` command line."""

import sys

from cli import main

sys.exit(main())
