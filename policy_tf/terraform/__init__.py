"""Terraform integration: the data "external" protocol and write-policy-dir."""
