"""policy_tf: least-privilege AWS IAM policies for Terraform users."""
from __future__ import annotations

__version__ = "0.1.0"
