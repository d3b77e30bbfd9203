"""``python -m policy_tf``."""
from policy_tf.cli import run

run()
