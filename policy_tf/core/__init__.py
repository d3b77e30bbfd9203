"""The bottom layer every other package shares, importing nothing of policy_tf above it.

- errors, diagnostics: the error types and the typed warnings/notes carried up to the CLI;
- safeload, fastyaml: the one input gate (every file a user hands us), and its optional fast YAML path;
- atomic, output: the one output gate (files written by temp file + rename; stdout tables/JSON/YAML);
- iamnames: the IAM name grammar and the one wildcard matcher;
- progress, extras, datafiles: progress bars, optional-extra checks, the package's own data files.
"""
