"""`concord import-territory FILE`: the unit tree from CSV / JSON / GeoJSON, all or nothing."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.translation import trans_real

from concord.audit.models import AuditEntry
from concord.territory.geometry import rectangle
from concord.territory.models import Unit, UnitKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["code", "name", "kind", "parent_code", "boundary"]
GRID_1 = rectangle(114.80, 33.70, 114.81, 33.71)
GRID_2 = rectangle(114.81, 33.70, 114.82, 33.71)

# One line of the tree and a second grid, children before parents (CSV rows 2..7).
TREE = [
    ["G1", "东村第一网格", "grid", "V1", json.dumps(GRID_1)],
    ["P1", "东警务室", "post", "S1", ""],
    ["B1", "测试区公安分局", "bureau", "", ""],
    ["G2", "东村第二网格", "grid", "V1", json.dumps(GRID_2)],
    ["V1", "东村", "village", "P1", ""],
    ["S1", "东派出所", "station", "B1", ""],
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def run(path, *args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_territory", str(path), *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue()


def reject(path, *args) -> str:
    with pytest.raises(CommandError) as exc:
        run(path, *args)
    return str(exc.value)


def assert_tree_loaded():
    units = {u.code: u for u in Unit.objects.select_related("parent")}
    assert set(units) == {"B1", "S1", "P1", "V1", "G1", "G2"}
    assert units["B1"].parent is None and units["B1"].kind == UnitKind.BUREAU
    assert units["S1"].parent.code == "B1" and units["S1"].kind == UnitKind.STATION
    assert units["P1"].parent.code == "S1" and units["P1"].kind == UnitKind.POST
    assert units["V1"].parent.code == "P1" and units["V1"].kind == UnitKind.VILLAGE
    assert units["G1"].parent.code == "V1" and units["G1"].kind == UnitKind.GRID
    assert units["G1"].path == "/B1/S1/P1/V1/G1/"
    assert units["G1"].boundary == GRID_1
    assert (units["G1"].min_lng, units["G1"].max_lat) == (114.80, 33.71)
    return units


# ---------------------------------------------------------------------------------------- formats


def test_csv_tree_in_shuffled_order_is_created_with_audit_rows(tmp_path):
    out = run(write_csv(tmp_path / "tree.csv", TREE))

    assert_tree_loaded()
    created = AuditEntry.objects.filter(action="territory.unit.create")
    assert created.count() == 6
    assert set(created.values_list("actor_label", flat=True)) == {"system"}
    assert "Grid: 2 created, 0 updated, 0 unchanged" in out
    assert "Total: 6 created, 0 updated, 0 unchanged" in out


def test_chinese_headers_kinds_bom_and_full_width_spaces(tmp_path):
    rows = [
        ["\u3000G1 ", "东村第一网格", "网格", "V1", json.dumps(GRID_1)],
        ["P1", "东警务室", " 警务室\u3000", "S1", ""],
        ["B1", "测试区公安分局", "分局", "", ""],
        ["G2", "东村第二网格", "网格", "Ｖ1", json.dumps(GRID_2)],  # full-width Ｖ
        ["V1", "\u3000东村\u3000", "村（社区）", "P1", ""],
        ["S1", "东派出所", "派出所", "B1", ""],
    ]
    path = write_csv(
        tmp_path / "tree.csv",
        rows,
        header=["编码", "名称", "类型", "上级编码", "边界"],
        encoding="utf-8-sig",
    )
    run(path)

    units = assert_tree_loaded()
    assert units["V1"].name == "东村"
    assert units["G2"].parent.code == "V1"


def test_gbk_encoded_csv_from_excel(tmp_path):
    rows = [
        [
            r[0],
            r[1],
            {
                "grid": "网格",
                "post": "片区",
                "bureau": "公安局",
                "village": "社区",
                "station": "派出所",
            }[r[2]],
            r[3],
            r[4],
        ]
        for r in TREE
    ]
    path = write_csv(
        tmp_path / "tree.csv",
        rows,
        header=["代码", "名称", "级别", "上级代码", "边界"],
        encoding="gbk",
    )
    run(path)

    units = assert_tree_loaded()
    assert units["B1"].name == "测试区公安分局"


def as_objects(rows):
    return [dict(zip(HEADER, row, strict=True)) for row in rows]


@pytest.mark.parametrize(
    "wrap", [lambda items: items, lambda items: {"units": items}], ids=["list", "units"]
)
def test_json_list_and_units_object(tmp_path, wrap):
    items = as_objects(TREE)
    for item in items:  # JSON may carry the boundary as an object rather than text
        item["boundary"] = json.loads(item["boundary"]) if item["boundary"] else None
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(wrap(items), ensure_ascii=False), encoding="utf-8")
    run(path)

    assert_tree_loaded()


def test_geojson_feature_collection(tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name, "kind": kind, "parent_code": parent or None},
            "geometry": json.loads(boundary) if boundary else None,
        }
        for code, name, kind, parent, boundary in TREE
    ]
    path = tmp_path / "tree.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    run(path)

    units = assert_tree_loaded()
    assert units["G2"].boundary == GRID_2


def test_parent_already_in_database(tmp_path, county):
    path = write_csv(
        tmp_path / "grids.csv", [["G-NEW", "东村第二网格", "grid", county.east.village.code, ""]]
    )
    run(path)

    unit = Unit.objects.get(code="G-NEW")
    assert unit.parent == county.east.village
    assert unit.path == f"{county.east.village.path}G-NEW/"


# ---------------------------------------------------------------------------------- re-importing


def test_second_import_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "tree.csv", TREE)
    run(path)
    audit_rows = AuditEntry.objects.count()
    stamps = dict(Unit.objects.values_list("code", "updated_at"))

    out = run(path)

    assert "Total: 0 created, 0 updated, 6 unchanged" in out
    assert AuditEntry.objects.count() == audit_rows
    assert dict(Unit.objects.values_list("code", "updated_at")) == stamps


def test_reimport_updates_changed_name_and_boundary_only(tmp_path):
    run(write_csv(tmp_path / "tree.csv", TREE))
    changed = [list(r) for r in TREE]
    changed[0][1] = "东村一网格"  # G1 renamed
    changed[3][4] = json.dumps(GRID_1)  # G2 gets a new boundary
    changed[4][4] = ""  # an empty boundary leaves the stored one alone (V1 has none anyway)

    out = run(write_csv(tmp_path / "tree2.csv", changed))

    assert "Total: 0 created, 2 updated, 4 unchanged" in out
    assert Unit.objects.get(code="G1").name == "东村一网格"
    assert Unit.objects.get(code="G2").boundary == GRID_1
    updates = AuditEntry.objects.filter(action="territory.unit.update")
    assert sorted(updates.values_list("unit__code", flat=True)) == ["G1", "G2"]


def test_blank_boundary_does_not_clear_stored_boundary(tmp_path):
    run(write_csv(tmp_path / "tree.csv", TREE))
    rows = [[*r[:4], ""] for r in TREE]

    out = run(write_csv(tmp_path / "no-boundaries.csv", rows))

    assert "6 unchanged" in out
    assert Unit.objects.get(code="G1").boundary == GRID_1


def test_existing_unit_cannot_change_kind_or_parent(tmp_path, county):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            [county.east.grid.code, "网格", "village", county.east.village.code, ""],
            [county.east.village.code, "村", "village", county.west.post.code, ""],
        ],
    )
    message = reject(path)

    assert "row 2, field kind: " in message and "cannot change its kind" in message
    assert "row 3, field parent_code: " in message and "does not move units" in message
    county.east.village.refresh_from_db()
    assert county.east.village.parent == county.east.post


# ------------------------------------------------------------------------------------ bad files


def bad_rows(extra):
    return [*TREE, extra]  # the bad row is CSV row 8


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["G9", "错挂网格", "grid", "P1", ""],
            "row 8, field parent_code: A Grid must lie directly inside a Village / community, but P1 is a Police post",
        ),
        (["X9", "某单位", "township", "B1", ""], "row 8, field kind: Unknown unit kind “township”"),
        (
            ["G9", "孤儿网格", "grid", "V404", ""],
            "row 8, field parent_code: No unit with code V404 in the file or in the database.",
        ),
        (
            [
                "G9",
                "坏边界",
                "grid",
                "V1",
                '{"type": "Polygon", "coordinates": [[[114.8, 33.7], [114.9, 33.7]]]}',
            ],
            "row 8, field boundary: The boundary is not a valid GeoJSON polygon: a ring needs at least four positions",
        ),
        (
            ["G9", "坏边界", "grid", "V1", '{"type": "Polygon", '],
            "row 8, field boundary: The boundary is not valid JSON",
        ),
        (
            ["G9", "点边界", "grid", "V1", '{"type": "Point", "coordinates": [114.8, 33.7]}'],
            "row 8, field boundary: The boundary is not a valid GeoJSON polygon: expected a Polygon or MultiPolygon",
        ),
        (["", "无编码", "grid", "V1", ""], "row 8, field code: A unit needs a code."),
        (["G9", "", "grid", "V1", ""], "row 8, field name: A unit needs a name."),
        (
            ["G1", "重复网格", "grid", "V1", ""],
            "row 8, field code: The code G1 is also used in row 2.",
        ),
        (
            ["S9", "无上级派出所", "station", "", ""],
            "row 8, field parent_code: A Police station must lie directly inside a Bureau.",
        ),
        (
            ["B9", "第二分局", "bureau", "B1", ""],
            "row 8, field parent_code: A bureau is the root of the tree and has no parent unit.",
        ),
    ],
    ids=[
        "grid-under-post",
        "unknown-kind",
        "missing-parent",
        "bad-polygon",
        "bad-json",
        "point",
        "no-code",
        "no-name",
        "duplicate-code",
        "station-without-parent",
        "bureau-with-parent",
    ],
)
def test_one_bad_row_rejects_the_whole_file(tmp_path, row, expected):
    message = reject(write_csv(tmp_path / "bad.csv", bad_rows(row)))

    assert expected in message
    assert "nothing was written" in message
    assert Unit.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_every_error_is_listed_with_row_and_field(tmp_path):
    rows = [
        ["B1", "测试区公安分局", "bureau", "", ""],
        ["S1", "东派出所", "station", "B1", ""],
        ["S2", "西派出所", "派出", "B1", ""],  # row 4: unknown kind
        ["P1", "东警务室", "post", "S1", "not json"],  # row 5: bad boundary
        ["G9", "错挂网格", "grid", "P1", ""],  # row 6: grid under a post
        ["V9", "", "village", "P404", ""],  # row 7: no name, missing parent
    ]
    message = reject(write_csv(tmp_path / "bad.csv", rows))

    lines = [line.strip() for line in message.splitlines()[1:]]
    assert [line.split(":")[0] for line in lines] == [
        "row 4, field kind",
        "row 5, field boundary",
        "row 6, field parent_code",
        "row 7, field name",
        "row 7, field parent_code",
    ]
    assert "5 error(s)" in message.splitlines()[0]
    assert Unit.objects.count() == 0


def test_errors_use_the_files_own_column_names(tmp_path):
    rows = [["G9", "错挂网格", "网格", "P404", ""]]
    path = write_csv(
        tmp_path / "bad.csv", rows, header=["编码", "名称", "类型", "上级编码", "边界"]
    )

    assert "row 2, field 上级编码: No unit with code P404" in reject(path)


def test_cycle_is_reported(tmp_path):
    rows = [
        ["B1", "测试区公安分局", "bureau", "", ""],
        ["S1", "东派出所", "station", "P1", ""],
        ["P1", "东警务室", "post", "S1", ""],
    ]
    message = reject(write_csv(tmp_path / "cycle.csv", rows))

    assert (
        "row 3, field parent_code: The chain of parent codes loops back to this unit: S1 → P1 → S1."
        in message
    )
    assert (
        "row 4, field parent_code: The chain of parent codes loops back to this unit: P1 → S1 → P1."
        in message
    )
    assert Unit.objects.count() == 0


def test_unit_that_is_its_own_parent_is_a_cycle(tmp_path):
    message = reject(write_csv(tmp_path / "cycle.csv", [["B1", "分局", "bureau", "B1", ""]]))
    assert (
        "row 2, field parent_code: The chain of parent codes loops back to this unit: B1 → B1."
        in message
    )


def test_service_validation_error_is_converted_to_a_row_error(tmp_path):
    message = reject(write_csv(tmp_path / "bad.csv", [["B/1", "分局", "bureau", "", ""]]))
    assert "row 2, field code: A unit code may not contain “/”." in message


def test_unquoted_boundary_is_explained(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,kind,parent_code,boundary\n"
        'B1,分局,bureau,,{"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}\n',
        encoding="utf-8",
    )
    message = reject(path)
    assert "row 2: This row has 9 cells but the header has 5 columns" in message


def test_header_without_required_column(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv", [["B1", "分局", ""]], header=["code", "name", "parent_code"]
    )
    assert "row 1, field kind: The header has no column for this field" in reject(path)


def test_json_row_numbers_are_item_positions(tmp_path):
    items = [
        *as_objects(TREE[:3]),
        "not an object",
        {"code": "G9", "name": "网格", "kind": "grid", "parent_code": 7},
    ]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    message = reject(path)

    assert "row 4: Expected an object" in message
    assert "row 5, field parent_code: No unit with code 7" in message


def test_invalid_json_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"code": "B1",', encoding="utf-8")
    assert "The file is not valid JSON (line 1" in reject(path)


def test_empty_file_is_rejected(tmp_path):
    path = write_csv(tmp_path / "empty.csv", [])
    assert "The file contains no units." in reject(path)


# ------------------------------------------------------------------------------------- options


def test_dry_run_writes_nothing(tmp_path):
    out = run(write_csv(tmp_path / "tree.csv", TREE), "--dry-run")

    assert "Dry run: nothing was written." in out
    assert "Total: 6 created, 0 updated, 0 unchanged" in out
    assert Unit.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_dry_run_still_reports_errors(tmp_path):
    message = reject(
        write_csv(tmp_path / "bad.csv", bad_rows(["G9", "错挂网格", "grid", "P1", ""])), "--dry-run"
    )
    assert "row 8, field parent_code" in message


def test_actor_is_recorded_in_the_audit_rows(tmp_path):
    analyst = UserFactory(username="analyst1")
    run(write_csv(tmp_path / "tree.csv", TREE), "--actor", "analyst1")

    entries = AuditEntry.objects.filter(action="territory.unit.create")
    assert entries.count() == 6
    assert all(e.actor == analyst and e.actor_label == "analyst1" for e in entries)


def test_unknown_actor_is_refused(tmp_path):
    message = reject(write_csv(tmp_path / "tree.csv", TREE), "--actor", "nobody")
    assert "No user with the username “nobody”." in message
    assert Unit.objects.count() == 0


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_for_large_files(tmp_path):
    rows = [["B1", "分局", "bureau", "", ""]] + [
        [f"S{i}", f"第{i}派出所", "station", "B1", ""] for i in range(399)
    ]
    stderr = FakeTerminal()
    call_command(
        "import_territory",
        str(write_csv(tmp_path / "big.csv", rows)),
        stdout=io.StringIO(),
        stderr=stderr,
    )

    assert "Importing units: 400 / 400" in stderr.getvalue()
    assert Unit.objects.count() == 400


def test_no_progress_when_not_a_terminal(tmp_path):
    rows = [["B1", "分局", "bureau", "", ""]] + [
        [f"S{i}", f"第{i}派出所", "station", "B1", ""] for i in range(399)
    ]
    stderr = io.StringIO()
    call_command(
        "import_territory",
        str(write_csv(tmp_path / "big.csv", rows)),
        stdout=io.StringIO(),
        stderr=stderr,
    )
    assert stderr.getvalue() == ""


# --------------------------------------------------------------------------------- translation


def test_errors_are_translated_in_the_active_language(tmp_path, monkeypatch):
    """The catalogue comes later; here a stand-in zh-hans catalogue proves the strings go through gettext."""
    zh = {
        "row %(row)s, field %(field)s: %(message)s": "第%(row)s行，字段“%(field)s”：%(message)s",
        "No unit with code %(code)s in the file or in the database.": "文件和数据库中都没有编码为 %(code)s 的单位。",
        "The file was not imported and nothing was written; %(count)s error(s):": "文件未导入，未写入任何数据；共 %(count)s 个错误：",
    }
    catalogue = trans_real.translation("zh-hans")
    real_gettext = catalogue.gettext
    monkeypatch.setattr(
        catalogue, "gettext", lambda message: zh.get(message) or real_gettext(message)
    )
    path = write_csv(
        tmp_path / "bad.csv",
        [["G9", "网格", "网格", "V404", ""]],
        header=["编码", "名称", "类型", "上级编码", "边界"],
    )

    with translation.override("zh-hans"):
        message = reject(path)

    assert message.splitlines()[0] == "文件未导入，未写入任何数据；共 1 个错误："
    assert "第2行，字段“上级编码”：文件和数据库中都没有编码为 V404 的单位。" in message
