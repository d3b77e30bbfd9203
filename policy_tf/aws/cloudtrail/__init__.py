"""Templates from CloudTrail logs: what principals actually did, as least-privilege templates.

records (log files, local or S3) -> principal (who) -> mapping (which IAM actions) ->
resources (which ARNs) -> aggregate (evidence per principal) -> render (YAML templates).
"""
