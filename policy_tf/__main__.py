"""``python -m policy_tf``."""
import sys

from policy_tf.cli import main

sys.exit(main())
