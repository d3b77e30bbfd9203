"""Templates from evidence, all offline: CloudTrail logs (cloudtrail), Python code (code), and
AccessDenied messages (denied). Reading logs from S3 or Athena, which calls AWS, lives in ``policy_tf.aws``.
"""
