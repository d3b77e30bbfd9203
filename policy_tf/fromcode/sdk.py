"""What the AWS SDK for Python itself says about a service, read from the models it installs.

botocore ships each service's API model (operations), paginators and waiters; boto3 ships
the resource models (``boto3.resource``). Nothing is fetched and no client is created: the
model files are read with botocore's own loader, once per service and process.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

_CAMEL_1 = re.compile(r"(.)([A-Z][a-z]+)")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")


def snake(name: str) -> str:
    """An API name as boto3 spells its Python method (botocore's ``xform_name``)."""
    from botocore import xform_name

    return xform_name(name)


@lru_cache(maxsize=None)
def _loader():
    import botocore.loaders

    return botocore.loaders.create_loader()


@lru_cache(maxsize=None)
def service_names() -> frozenset:
    """Every service name ``boto3.client`` accepts."""
    return frozenset(_loader().list_available_services("service-2"))


class ServiceModel:
    """One service's operations (by Python method name), paginators, waiters and IAM prefix hints."""

    def __init__(self, name: str):
        loader = _loader()
        model = loader.load_service_model(name, "service-2")
        self.name = name
        metadata = model.get("metadata", {})
        self.signing_name = metadata.get("signingName") or metadata.get("endpointPrefix") or name
        self.endpoint_prefix = metadata.get("endpointPrefix") or name
        self.operations: dict[str, str] = {snake(op): op for op in model.get("operations", {})}
        self.paginators: dict[str, str] = {}
        self.waiters: dict[str, str] = {}
        try:
            pages = loader.load_service_model(name, "paginators-1")
            self.paginators = {snake(op): op for op in pages.get("pagination", {})}
        except Exception:  # noqa: BLE001 - a service without paginators (botocore raises DataNotFoundError)
            pass
        try:
            waiters = loader.load_service_model(name, "waiters-2")
            self.waiters = {snake(w): spec.get("operation", "") for w, spec in waiters.get("waiters", {}).items()}
        except Exception:  # noqa: BLE001 - a service without waiters
            pass

    def operation(self, method: str) -> str | None:
        return self.operations.get(method)


@lru_cache(maxsize=None)
def service(name: str) -> ServiceModel | None:
    """The model of a ``boto3.client`` service name, or None if botocore has none."""
    if name not in service_names():
        return None
    return ServiceModel(name)


class ResourceModel:
    """boto3's resource model of one service: resource types, their actions and collections."""

    def __init__(self, name: str, data: dict):
        self.name = name
        self.service = data.get("service", {})
        self.resources: dict[str, dict] = data.get("resources", {})

    def definition(self, resource_type: str | None) -> dict:
        """The service resource's definition (None) or a resource type's."""
        return self.service if resource_type is None else self.resources.get(resource_type, {})

    def identifiers(self, resource_type: str) -> list[str]:
        return [i["name"] for i in self.resources.get(resource_type, {}).get("identifiers", [])]


@lru_cache(maxsize=None)
def resource_model(name: str) -> ResourceModel | None:
    """boto3's resource model of a service (s3, dynamodb, sqs, sns, ec2, iam...), None if it has none."""
    import json

    import boto3

    folder = os.path.join(os.path.dirname(boto3.__file__), "data", name)
    if not os.path.isdir(folder):
        return None
    versions = sorted(v for v in os.listdir(folder) if os.path.isfile(os.path.join(folder, v, "resources-1.json")))
    if not versions:
        return None
    with open(os.path.join(folder, versions[-1], "resources-1.json"), encoding="utf-8") as handle:
        return ResourceModel(name, json.load(handle))
