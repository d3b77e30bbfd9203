"""The HTML scraper, specified on small hand-written pages that reproduce each quirk of AWS's."""
from __future__ import annotations

import pytest

from policy_tf.core.errors import InputError
from policy_tf.iamdb.sources import html


@pytest.fixture
def widgets(fixtures):
    return html.parse_file(fixtures / "html" / "list_examplewidgets.html")


def _refs(action):
    return [(r.resource_type, r.required) for r in action.resources]


def test_prefix_and_service_name_come_from_the_page(widgets):
    assert widgets.service.prefix == "widgets"
    assert widgets.service.name == "Example Widgets"


def test_rowspan_continuation_rows_attach_to_their_action(widgets):
    create = widgets.service.actions["CreateWidget"]
    assert _refs(create) == [("widget", True), ("gadget group", False), ("", False)]
    assert create.access_level == "Write"
    assert create.description == "Grants permission to create a widget"


def test_condition_keys_and_dependent_actions_stay_on_their_row(widgets):
    create = widgets.service.actions["CreateWidget"]
    widget_row, _, action_row = create.resources
    assert widget_row.condition_keys == ["aws:ResourceTag/${TagKey}"]
    assert widget_row.dependent_actions == ["widgets:TagResource", "iam:PassRole"]
    assert action_row.condition_keys == ["aws:RequestTag/${TagKey}", "widgets:Color"]


def test_permission_only_marker_is_a_flag_not_part_of_the_name(widgets):
    action = widgets.service.actions["ConnectWidget"]
    assert action.permission_only is True
    assert action.access_level == "Permissions management"


def test_action_cell_without_id_or_link_is_read(widgets):
    listing = widgets.service.actions["ListWidgets"]
    assert listing.access_level == "List"
    assert listing.api_doc == ""
    assert _refs(listing) == [("", False)]


def test_api_documentation_link_is_kept(widgets):
    assert widgets.service.actions["GetWidget"].api_doc == "https://docs.example.com/API_GetWidget.html"


def test_resource_listed_twice_merges_into_one_required_row(widgets):
    tag = widgets.service.actions["TagResource"]
    assert _refs(tag) == [("widget", True)]
    assert tag.resources[0].condition_keys == ["aws:TagKeys"]


def test_scenario_rows_do_not_become_actions_and_keep_scenario_only_resources(widgets):
    run = widgets.service.actions["RunWidget"]
    assert _refs(run) == [("widget", True), ("config/path", False), ("engine", False), ("", False)]
    # The row after the scenario still belongs to RunWidget (the rowspan counts scenario rows).
    assert set(widgets.service.actions) == {"CreateWidget", "ConnectWidget", "ListWidgets", "TagResource", "RunWidget",
                                            "GetWidget"}


def test_row_after_scenario_keeps_its_condition_keys(widgets):
    run = widgets.service.actions["RunWidget"]
    assert any("widgets:Color" in r.condition_keys for r in run.resources)


def test_arn_split_across_spans_is_joined_without_whitespace(widgets):
    assert widgets.service.resource_types["widget"].arn_format \
        == "arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}"


def test_resource_names_with_spaces_and_slashes_are_kept_whole(widgets):
    assert {"gadget group", "config/path"} <= set(widgets.service.resource_types)


def test_resource_types_keep_their_condition_keys(widgets):
    assert widgets.service.resource_types["widget"].condition_keys == ["aws:ResourceTag/${TagKey}"]


def test_condition_keys_table_gives_type_and_description(widgets):
    color = widgets.service.condition_keys["widgets:Color"]
    assert (color.type, color.description) == ("String", "Filters access by the widget colour")


def test_columns_are_found_by_header_text_in_any_order(fixtures):
    page = html.parse_file(fixtures / "html" / "list_examplewidgetsreordered.html").service
    describe = page.actions["DescribeWidget"]
    assert (describe.access_level, _refs(describe), describe.description) == ("Read", [("widget", True)], "")
    assert page.condition_keys["widgets:Size"].type == "Numeric"


def test_pages_sharing_a_prefix_merge_without_losing_rows(fixtures):
    first = html.parse_file(fixtures / "html" / "list_examplewidgets.html").service
    second = html.parse_file(fixtures / "html" / "list_examplewidgetsreordered.html").service
    merged = html.merge([first, second])
    assert "DescribeWidget" in merged.actions and "RunWidget" in merged.actions
    assert ("engine", True) in _refs(merged.actions["CreateWidget"])
    assert {"widgets:Color", "widgets:Size"} <= set(merged.condition_keys)
    assert merged.sources == ["list_examplewidgets.html", "list_examplewidgetsreordered.html"]
    assert merged.name == "Example Widgets"


def test_page_without_service_prefix_is_an_error_naming_the_file(fixtures):
    with pytest.raises(InputError, match="list_nothing.html"):
        html.parse_file(fixtures / "html" / "list_nothing.html")


def test_unreadable_page_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        html.parse_file(tmp_path / "missing.html")


def test_unknown_access_level_is_reported_not_silently_dropped():
    page = html.parse_page(
        "<h1>Actions, resources, and condition keys for X</h1><p>(service prefix: <code>x</code>)</p>"
        "<table><thead><tr><th>Actions</th><th>Access level</th></tr></thead>"
        "<tr><td>DoThing</td><td>Superuser</td></tr></table>",
        "list_x.html",
    )
    assert "DoThing" not in page.service.actions
    assert any("unknown access level 'Superuser'" in w for w in page.warnings)


def test_folder_reader_merges_by_prefix(fixtures, tmp_path):
    for name in ("list_examplewidgets.html", "list_examplewidgetsreordered.html"):
        (tmp_path / name).write_bytes((fixtures / "html" / name).read_bytes())
    services, warnings = html.read_folder(tmp_path, jobs=1)
    assert [s.prefix for s in services] == ["widgets"]
    assert len(services[0].sources) == 2


def test_a_resource_type_with_two_arn_formats_keeps_both_when_pages_merge(fixtures):
    from policy_tf.iamdb.model import ResourceType

    first = html.parse_file(fixtures / "html" / "list_examplewidgets.html").service
    second = html.parse_file(fixtures / "html" / "list_examplewidgetsreordered.html").service
    second.resource_types["widget"] = ResourceType("widget",
                                                   "arn:${Partition}:widgets:${Region}:${Account}:v2/widget/${WidgetId}")
    merged = html.merge([first, second])
    assert merged.resource_types["widget"].arn_formats == [
        "arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}",
        "arn:${Partition}:widgets:${Region}:${Account}:v2/widget/${WidgetId}",
    ]
