"""Live AWS accounts through boto3: download policies, Access Advisor, tags, boundaries, CloudTrail
logs from S3 (cloudtrail_s3) and Athena (athena); the logs are parsed offline by ``policy_tf.sources.cloudtrail``."""
