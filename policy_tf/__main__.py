"""``python -m policy_tf``."""
import sys

from .cli import main

sys.exit(main())
