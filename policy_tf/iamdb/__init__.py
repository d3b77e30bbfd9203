"""The IAM database: model, build, sources, opening, look-ups, ARN matching and queries."""
