"""TEST DOUBLE of the hashicorp/external Terraform provider, for tests only.

See README.md in this folder.  Nothing here is part of policy_tf itself.
"""
