"""An example Lambda function for `policy_tf generate-template --from-code` (see docs/from-code.md).

It reads order files from S3, writes each order to DynamoDB, and announces the batch on SNS.
"""
import json
import os

import boto3

BUCKET = os.environ.get("ORDERS_BUCKET", "acme-orders-inbox")
TABLE = os.environ.get("ORDERS_TABLE", "acme-orders")
TOPIC = "arn:aws:sns:eu-west-1:111122223333:orders-loaded"

s3 = boto3.client("s3")
sns = boto3.client("sns")
orders = boto3.resource("dynamodb").Table(TABLE)


def handler(event, context):
    loaded = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="incoming/"):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            with orders.batch_writer() as batch:
                for order in json.loads(body):
                    batch.put_item(Item=order)
            s3.copy_object(CopySource={"Bucket": BUCKET, "Key": item["Key"]}, Bucket=BUCKET,
                           Key=f"done/{item['Key']}")
            loaded += 1
    sns.publish(TopicArn=TOPIC, Message=json.dumps({"files": loaded}))
    return {"files": loaded}
