"""An organization-style run against moto: `boundary plan --accounts` over 20 accounts, 4 at a time.

The moto server (with the Access Advisor handlers of tests/aws_harness.py) runs in a process of
its own, so that policy_tf's run is timed alone. Each account holds roles and users with usage;
policy_tf assumes a role in each (org mode), plans their boundaries, and prints the per-account
summary; this script then prints the summary table and the time of the policy_tf run alone.

    python bench/org_run.py [--accounts 20] [--max-accounts 4] [--roles 5] [--users 2]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ANY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
SERVICES = [{"namespace": "s3", "days_ago": 3, "actions": [{"name": "GetObject", "days_ago": 3},
                                                           {"name": "PutObject", "days_ago": None}]},
            {"namespace": "sqs", "days_ago": 20}, {"namespace": "dynamodb", "days_ago": 300},
            {"namespace": "ec2", "days_ago": None}]


def accounts(count: int) -> list[str]:
    return [f"{100000000000 + 1111 * i:012d}" for i in range(1, count + 1)]


def names(roles: int, users: int) -> list[tuple[str, str]]:
    return [("role", f"app-{i}") for i in range(roles)] + [("user", f"person-{i}") for i in range(users)]


def serve(args) -> None:
    """The server process: moto plus the harness handlers, usage for every entity; runs until stdin closes."""
    sys.path.insert(0, str(REPO))
    from tests.aws_harness import HARNESS, start

    server = start()
    for account in accounts(args.accounts):
        for kind, name in names(args.roles, args.users):
            HARNESS.usage[f"arn:aws:iam::{account}:{kind}/{name}"] = {"services": SERVICES, "in_progress_polls": 0}
    print(HARNESS.endpoint, flush=True)
    sys.stdin.read()
    server.stop()


def setup(endpoint: str, args) -> dict[str, str]:
    import boto3

    sys.path.insert(0, str(REPO))
    from tests.aws_harness import environment

    env = environment(endpoint)
    os.environ.update(env)
    sts = boto3.client("sts", region_name="us-east-1")
    for account in accounts(args.accounts):
        credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/Audit",
                                      RoleSessionName="setup")["Credentials"]
        iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id=credentials["AccessKeyId"],
                           aws_secret_access_key=credentials["SecretAccessKey"],
                           aws_session_token=credentials["SessionToken"])
        for kind, name in names(args.roles, args.users):
            if kind == "role":
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
                iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=ANY)
            else:
                iam.create_user(UserName=name)
                iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=ANY)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--max-accounts", type=int, default=4)
    parser.add_argument("--roles", type=int, default=5)
    parser.add_argument("--users", type=int, default=2)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return 0
    server = subprocess.Popen([sys.executable, __file__, "--serve", "--accounts", str(args.accounts), "--roles",
                               str(args.roles), "--users", str(args.users)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        endpoint = server.stdout.readline().strip()
        env = setup(endpoint, args)
        with tempfile.TemporaryDirectory() as folder:
            listing = Path(folder) / "accounts.txt"
            listing.write_text("\n".join(accounts(args.accounts)) + "\n")
            plan = Path(folder) / "plan.json"
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "policy_tf", "boundary", "plan", "--output", str(plan),
                                   "--accounts", str(listing), "--assume-role-name", "Audit", "--max-accounts",
                                   str(args.max_accounts), "--min-age-days", "0", "--max-data-age", "48"],
                                  capture_output=True, text=True, env={**os.environ, **env,
                                                                       "PYTHONPATH": str(REPO)}, cwd=folder)
            wall = time.perf_counter() - started
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr[-4000:])
                return 1
            document = json.loads(plan.read_text())
        summary = [line for line in proc.stderr.splitlines() if line.startswith(("accounts:", "  "))]
        print("\n".join(summary))
        print(f"\n{'account':<14}{'entities':>9}{'attach':>8}{'skip':>6}")
        for part in document["accounts"]:
            attach = sum(e["action"] == "attach" for e in part["entities"])
            print(f"{part['account']:<14}{len(part['entities']):>9}{attach:>8}{len(part['entities']) - attach:>6}")
        entities = sum(len(p["entities"]) for p in document["accounts"])
        print(f"\norg run: {len(document['accounts'])} accounts, {entities} entities, --max-accounts "
              f"{args.max_accounts}: {wall:.2f} s for policy_tf alone")
        return 0
    finally:
        server.stdin.close()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
