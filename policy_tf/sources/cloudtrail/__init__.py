"""Templates from CloudTrail logs: what principals actually did, as least-privilege templates.

records (log files; S3 through policy_tf.aws.cloudtrail_s3) -> principal (who) -> mapping (which IAM actions) ->
resources (which ARNs) -> aggregate (evidence per principal) -> render (YAML templates).
"""
