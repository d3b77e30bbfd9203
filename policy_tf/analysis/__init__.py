"""Policy analysis: expand wildcards, audit by access level and risk, lint, gate Terraform plans."""
