"""`python -m mailflowlab serve [SCENARIO]`: the same as the `mailflowlab` command."""
import sys

from .cli import main

sys.exit(main())
