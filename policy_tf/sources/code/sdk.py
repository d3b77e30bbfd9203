"""What the AWS SDK for Python itself says about a service, read from the models it installs.

botocore ships each service's API model (operations), paginators and waiters; boto3 ships
the resource models (``boto3.resource``). Nothing is fetched and no client is created: the
model files are read where botocore's loader reads them (``$AWS_DATA_PATH``, ``~/.aws/models``,
then botocore's own ``data``; the newest API version that has a ``service-2`` model), with
plain ``json`` and without importing boto3 or botocore's loader (~150 ms), once per service.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache


def snake(name: str) -> str:
    """An API name as boto3 spells its Python method (botocore's ``xform_name``)."""
    from botocore import xform_name

    return xform_name(name)


def _package_dir(name: str) -> str | None:
    import importlib.util

    spec = importlib.util.find_spec(name)
    return list(spec.submodule_search_locations)[0] if spec and spec.submodule_search_locations else None


@lru_cache(maxsize=None)
def _search_paths() -> tuple[str, ...]:
    """Where botocore's loader looks for models, in its order."""
    paths = [p for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    paths.append(os.path.join(os.path.expanduser("~"), ".aws", "models"))
    botocore = _package_dir("botocore")
    if botocore:
        paths.append(os.path.join(botocore, "data"))
    return tuple(os.path.expanduser(p) for p in paths)


def _read_json(base: str) -> dict | None:
    """``base``.json, or ``base``.json.gz (botocore compresses the larger models)."""
    if os.path.isfile(base + ".json"):
        with open(base + ".json", encoding="utf-8") as handle:
            return json.load(handle)
    if os.path.isfile(base + ".json.gz"):
        import gzip

        with gzip.open(base + ".json.gz", "rt", encoding="utf-8") as handle:
            return json.load(handle)
    return None


@lru_cache(maxsize=None)
def _service_dir(name: str) -> str | None:
    """``<path>/<service>/<newest API version with a service-2 model>``, as botocore picks it."""
    for path in _search_paths():
        folder = os.path.join(path, name)
        if not os.path.isdir(folder):
            continue
        versions = sorted((v for v in os.listdir(folder)
                           if os.path.isfile(os.path.join(folder, v, "service-2.json"))
                           or os.path.isfile(os.path.join(folder, v, "service-2.json.gz"))), reverse=True)
        if versions:
            return os.path.join(folder, versions[0])
    return None


class ServiceModel:
    """One service's operations (by Python method name), paginators, waiters and IAM prefix hints."""

    def __init__(self, name: str, folder: str):
        model = _read_json(os.path.join(folder, "service-2")) or {}
        self.name = name
        metadata = model.get("metadata", {})
        self.signing_name = metadata.get("signingName") or metadata.get("endpointPrefix") or name
        self.endpoint_prefix = metadata.get("endpointPrefix") or name
        self.operations: dict[str, str] = {snake(op): op for op in model.get("operations", {})}
        pages = _read_json(os.path.join(folder, "paginators-1")) or {}
        self.paginators: dict[str, str] = {snake(op): op for op in pages.get("pagination", {})}
        waiters = _read_json(os.path.join(folder, "waiters-2")) or {}
        self.waiters: dict[str, str] = {snake(w): spec.get("operation", "") for w,
                                        spec in waiters.get("waiters", {}).items()}

    def operation(self, method: str) -> str | None:
        return self.operations.get(method)


@lru_cache(maxsize=None)
def service(name: str) -> ServiceModel | None:
    """The model of a ``boto3.client`` service name, or None if botocore has none."""
    folder = _service_dir(name) if name and "/" not in name and not name.startswith(".") else None
    return ServiceModel(name, folder) if folder else None


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
    boto3 = _package_dir("boto3")
    if not boto3 or not name or "/" in name or name.startswith("."):
        return None
    folder = os.path.join(boto3, "data", name)
    if not os.path.isdir(folder):
        return None
    versions = sorted(v for v in os.listdir(folder) if os.path.isfile(os.path.join(folder, v, "resources-1.json")))
    if not versions:
        return None
    with open(os.path.join(folder, versions[-1], "resources-1.json"), encoding="utf-8") as handle:
        return ResourceModel(name, json.load(handle))
