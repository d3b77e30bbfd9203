"""The AWS account commands: what they cost before and besides the AWS calls.

Access Advisor jobs and IAM calls dominate a real run and depend on the account, so the bench
times what policy_tf itself adds: the start-up of an account command (boto3 must not be
imported to parse arguments), and fitting a boundary for heavy action-level usage (EC2, S3
and IAM tracked at action level: every untracked action kept, then minimized to fit 6,144
characters).
"""
from bench import PYTHON, TOOL, Case, Under

BOUNDARY_FIT = """
from policy_tf.aws.boundary import boundary_document
def service(ns, actions):
    return {"namespace": ns, "used": True, "tracked_actions": True,
            "actions": [{"action": ns + ":" + a, "used": u} for a, u in actions]}
entry = {"services": [service("ec2", [("RunInstances", True), ("TerminateInstances", False)]),
                      service("s3", [("CreateBucket", False), ("ListAllMyBuckets", True)]),
                      service("iam", [("CreateRole", False), ("GetRole", True)])]}
document, notes = boundary_document(entry, "aws", "123456789012", ["iam:PassRole"], ["sts:GetCallerIdentity"])
print(notes[-1])
"""

CASES = [
    Case("boundary plan --help (no boto3 at start-up)", [TOOL, "boundary", "plan", "--help"], bar=Under(0.3)),
    Case("boundary fit: ec2+s3+iam action level", [PYTHON, "-c", BOUNDARY_FIT], bar=Under(1.0)),
]
