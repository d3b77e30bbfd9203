"""Live AWS accounts through boto3: download policies, Access Advisor, tags, boundaries, CloudTrail."""
