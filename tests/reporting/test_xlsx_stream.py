"""The streamed one-sheet workbook the ledger export writes (concord.reporting.xlsx_stream)."""

import datetime as dt
from io import BytesIO

from openpyxl import load_workbook

from concord.reporting.xlsx_stream import StreamedSheet, column_letter, escape, excel_serial


def written(rows):
    out = BytesIO()
    sheet = StreamedSheet(out, name="台账", widths=[10, 20, 12, 12])
    sheet.freeze(rows=2, columns=2)
    sheet.title("矛盾纠纷台账", span=4)
    sheet.header(["序号", "事件名称", "发生日期", "登记时间"])
    for row in rows:
        sheet.write(row)
    sheet.close()
    return load_workbook(BytesIO(out.getvalue())).active


def test_values_come_back_typed_as_written():
    ws = written(
        [
            [1, "排水沟纠纷", dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 30)],
            [2.5, "", None, "文本"],
        ]
    )
    assert ws.title == "台账"
    assert [c.value for c in ws[3]] == [
        1,
        "排水沟纠纷",
        dt.datetime(2026, 3, 1),
        dt.datetime(2026, 3, 1, 9, 30),
    ]
    assert [c.value for c in ws[4]] == [2.5, None, None, "文本"]
    assert ws["C3"].number_format == "yyyy\\-mm\\-dd"


def test_text_that_looks_like_a_formula_or_markup_stays_text():
    ws = written([[1, '=HYPERLINK("http://x")', "<b>a & b</b>", "  两端空格  "]])
    assert ws["B3"].value == '=HYPERLINK("http://x")' and ws["B3"].data_type == "s"
    assert ws["C3"].value == "<b>a & b</b>"
    assert ws["D3"].value == "  两端空格  "


def test_characters_xml_cannot_hold_are_dropped_not_fatal():
    ws = written([[1, "响铃\x07与退格\x08", None, None]])
    assert ws["B3"].value == "响铃与退格"


def test_layout_title_merged_header_frozen_and_filtered():
    ws = written([[i, f"纠纷{i}", None, None] for i in range(1, 4)])
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:D1"]
    assert ws["A1"].value == "矛盾纠纷台账" and ws["A1"].font.b
    assert ws["B2"].value == "事件名称" and ws["B2"].font.b
    assert ws.freeze_panes == "C3"
    assert ws.auto_filter.ref == "A2:D5"
    assert round(ws.column_dimensions["B"].width) == 21


def test_helpers():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert excel_serial(dt.date(1900, 3, 1)) == 61
    assert excel_serial(dt.datetime(2026, 1, 1, 12)) == 46023.5
