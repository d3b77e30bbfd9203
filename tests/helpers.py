"""Small builders shared by tests: a tiny database made from hand-written model objects."""
from __future__ import annotations

from pathlib import Path

from policy_tf.iamdb.build import write_database
from policy_tf.iamdb.model import (
    Action,
    ConditionKey,
    ResourceRef,
    ResourceType,
    Service,
)


def tiny_services() -> list[Service]:
    widgets = Service("widgets", "Example Widgets", ["list_examplewidgets.html"])
    widgets.actions = {
        "GetWidget": Action("GetWidget", "Read", "Read a widget",
                            resources=[ResourceRef("widget", True, ["widgets:Color"])]),
        "ListWidgets": Action("ListWidgets", "List", "List widgets", resources=[ResourceRef("")]),
        "UpdateWidget": Action("UpdateWidget", "Write", "Update",
                               resources=[ResourceRef("widget", True, [], ["iam:PassRole"])]),
        "TagWidget": Action("TagWidget", "Write", "Tag",
                            resources=[ResourceRef("widget", True), ResourceRef("", False, ["aws:TagKeys"])]),
    }
    widgets.resource_types = {"widget": ResourceType("widget",
                                                     "arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}",
                                                     ["aws:ResourceTag/${TagKey}"])}
    widgets.condition_keys = {"widgets:Color": ConditionKey("widgets:Color", "String", "Colour")}
    gadgets = Service("gadgets", "Example Gadgets", ["list_examplegadgets.html"])
    gadgets.actions = {f"Action{i}": Action(f"Action{i}", "Read", resources=[ResourceRef("")]) for i in range(60)}
    return [widgets, gadgets]


def tiny_database(path: Path, services: list[Service] | None = None, **kwargs) -> Path:
    write_database(services if services is not None else tiny_services(), path, source="test: tiny", **kwargs)
    return path
