"""Messy station ledgers built with openpyxl in a test's tmp_path (no binary fixtures committed).

`station_ledger` writes the ledger most tests use: a merged title row, a unit line, a header over two
rows with "当事人" merged over 姓名/身份证号/联系电话, headers with line breaks, full-width brackets and
a unit ("涉及金额（万元）"), a case spread over two vertically merged lines, blank, subtotal and note
rows, and every date, level, status and category spelling of DESIGN §3 and the brief. `EXPECTED`
says what becomes of each 序号.
"""

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from concord.people.identity import check_digit


def valid_id(first17: str) -> str:
    return first17 + check_digit(first17)


ID_ZHANG = valid_id("41160319850312001")  # 张三, born 1985-03-12, male
ID_LI = valid_id("41160319900101002")  # 李四, female
BAD_ID = ID_LI[:-1] + ("1" if ID_LI[-1] != "1" else "2")  # one wrong check digit
ID_AS_NUMBER = 4.11603199001e17  # what Excel keeps of 411603199001011234

TOP = [
    "序号",
    "排查\n时间 ",
    "当事人",
    None,
    None,
    "纠纷类别",
    "纠纷简要情况",
    "所在村（社区）",
    "风险等级",
    "包案民警",
    "化解情况",
    "涉及人数",
    "涉及金额（万元）",
]
BOTTOM = [None, None, "姓名", "身份证号", "联系电话"] + [None] * 8
COLUMNS = len(TOP)


def _rows(officer_name: str | None) -> list[list[Any]]:
    """The data lines, in sheet order (None: a blank line)."""
    # fmt: off
    return [
        # 序号 1 spans two lines (序号, date, category… merged vertically): 李四 on the second line.
        [1, "2022.5.3", "张三", "'" + ID_ZHANG, 13800138000, "邻里", "两家因排水沟堵塞发生争吵",
         "东村", "黄", officer_name, "已化解，双方签订协议", 2, None],
        [None, None, "李四", ID_LI, "139 0013 9000", None, None, None, None, None, None, None, None],
        [2, "2022年5月8日", "王五与赵六", ID_AS_NUMBER, "13700137000", "婚恋家庭",
         "夫妻因家务琐事争吵，女方要求离婚", "东村", "较大", None, "化解中", None, None],
        [3, "2022/5/12", "孙七和周八等12人", None, None, "劳资纠纷", "工地拖欠工人工资",
         "　东村　", "A", "王警官", "稳控", None, 3.5],
        None,
        [4, dt.datetime(2022, 5, 14, 9, 30), "　钱九　", None, None, "土地山林纠纷",
         "宅基地边界争议", "东村", "一级", None, "移交司法所", None, None],
        [5, "5月15日", "吴十", None, None, "宅基地纠纷", "相邻宅基地界址不清", "东村", "三级",
         None, "已销号", None, None],
        [6, 44693, "郑一,冯二;陈三", None, None, "debt", "三人合伙生意欠款", "东村", "高", None,
         "调处中", "3人", "5千元"],
        [7, "２０２２－０５－１６", "褚四", None, None, "经济债务纠纷", "借款到期未还", "东村", "低",
         None, "待化解", None, None],
        [8, "2022-05-17", "卫五", None, None, "其他", "无法定位的纠纷", "火星村", "C", None,
         None, None, None],
        [9, "2022-05-18", "蒋六", None, None, "邻里纠纷", "噪音扰民", "东村", "紫色", None, None,
         None, None],
        [10, "2022-05-19", "沈七", BAD_ID, None, "邻里纠纷", "占用通道", "东村", "橙", None, None,
         None, None],
        [11, "2022-05-20", "韩八", None, None, "婚恋", "恋爱分手后纠缠", "西村", "一般", None,
         "未化解", None, None],
        [12, "2022-05-21", "杨九", None, None, "土地", "承包地边界", "东村", "二级", None, "已办结",
         None, None],
        [13, "2022-05-22", "朱十", None, None, "劳资", "欠薪", "东村", "B", None, "未化解", None,
         None],
        [14, "2022-05-23", "秦一", None, None, "土地", "林地权属", "东村", "红", None, None, None,
         None],
        [15, "2022-05-24", "尤二", None, None, "劳资", "工伤赔偿", "东村", "中", None, "已稳控",
         None, None],
        [16, "2022-05-25", "许三", None, None, "labour", "平台用工", "东村", "重大", None,
         "调处中", None, None],
        # The same case as 序号 2, written twice.
        [17, "2022年5月8日", "王五与赵六", None, "13700137000", "婚恋家庭",
         "夫妻因家务琐事争吵，女方要求离婚", "东村", "较大", None, "化解中", None, None],
        ["合计", None, "共17件", None, None, None, None, None, None, None, None, None, None],
        ["注：风险等级分为红、橙、黄三级。"] + [None] * (COLUMNS - 1),
        ["填表人：张警官      审核人：李所长"] + [None] * (COLUMNS - 1),
    ]
    # fmt: on


# What each 序号 becomes when a user whose scope covers both stations imports the ledger.
IMPORTED = [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 16]
REJECTED = {8: "所在村（社区）", 9: "风险等级", 10: "身份证号"}
# The ID stored as a number; an unknown 包案民警; 西村 is not in the title's 东派出所; a repeat of 2.
WARNED = [2, 3, 11, 17]
STATUS = {
    1: "resolved",
    2: "mediating",
    3: "contained",
    4: "transferred",
    5: "closed",
    6: "mediating",
    7: "registered",
    11: "registered",
    12: "closed",
    13: "registered",
    14: "registered",
    15: "contained",
    16: "mediating",
}
LEVEL = {
    1: "yellow",
    2: "orange",
    3: "red",
    4: "red",
    5: "yellow",
    6: "red",
    7: "yellow",
    11: "yellow",
    12: "orange",
    13: "orange",
    14: "red",
    15: "orange",
    16: "red",
}
CATEGORY = {
    1: ("neighbour", None),
    2: ("family", None),
    3: ("labour", None),
    4: ("land", None),
    5: ("land", "land.house_plot"),
    6: ("debt", None),
    7: ("debt", None),
    11: ("family", None),
    12: ("land", None),
    13: ("labour", None),
    14: ("land", None),
    15: ("labour", None),
    16: ("labour", None),
}
FOUND = {
    1: dt.date(2022, 5, 3),
    2: dt.date(2022, 5, 8),
    3: dt.date(2022, 5, 12),
    4: dt.date(2022, 5, 14),
    5: dt.date(2022, 5, 15),
    6: dt.date(2022, 5, 12),
    7: dt.date(2022, 5, 16),
}


def station_ledger(
    path: Path,
    *,
    title: str = "东派出所2022年5月矛盾纠纷排查台账",
    officer_name: str | None = None,
) -> Path:
    """The messy two-row-header ledger described at the top of this module."""
    wb = Workbook()
    ws = wb.active
    ws.title = "5月台账"
    last = get_column_letter(COLUMNS)
    ws.append([title] + [None] * (COLUMNS - 1))
    ws.merge_cells(f"A1:{last}1")
    ws.append(["填报单位：东派出所（盖章）"] + [None] * (COLUMNS - 1))
    ws.merge_cells(f"A2:{last}2")
    ws.append(TOP)
    ws.append(BOTTOM)
    for column in range(1, COLUMNS + 1):
        if column in (3, 4, 5):
            continue
        letter = get_column_letter(column)
        ws.merge_cells(f"{letter}3:{letter}4")
    ws.merge_cells("C3:E3")
    first_data = 5
    for line in _rows(officer_name):
        ws.append(line if line is not None else [None] * COLUMNS)
    # 序号 1's case fields span its two lines.
    for column in (1, 2, 6, 7, 8, 9, 10, 11, 12, 13):
        letter = get_column_letter(column)
        ws.merge_cells(f"{letter}{first_data}:{letter}{first_data + 1}")
    ws.merge_cells(f"A{ws.max_row - 1}:{last}{ws.max_row - 1}")
    ws.merge_cells(f"A{ws.max_row}:{last}{ws.max_row}")
    # A header cell formatted as text, the ID column shown as text (the apostrophe form).
    ws.cell(first_data, 4).number_format = "@"
    wb.save(path)
    return path


def simple_ledger(path: Path, header: list[str], rows: list[list[Any]], *, title: str = "") -> Path:
    """A one-row header, optionally under a title row."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


EXPORT_HEADER = [
    "案件编号",
    "事件名称",
    "发生日期",
    "地点",
    "事件类型",
    "涉及人数",
    "简述",
    "主要当事人",
    "风险等级",
    "处理状态",
]


def export_ledger(path: Path, rows: list[list[Any]]) -> Path:
    """A ledger with the headers of Concord's own export (concord export-ledger)."""
    return simple_ledger(path, EXPORT_HEADER, rows)


def two_row_ledger(
    path: Path,
    top: list[str | None],
    bottom: list[str | None],
    merges: list[str],
    rows: list[list[Any]],
) -> Path:
    """A header over two rows (rows 1–2) with the given merged ranges, then the data."""
    wb = Workbook()
    ws = wb.active
    ws.append(top)
    ws.append(bottom)
    for merged in merges:
        ws.merge_cells(merged)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def xlsxwriter_ledger(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    """A ledger written as Concord's export writes (XlsxWriter, constant memory, date cells)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("台账")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(index, column, value, date_format)
            else:
                sheet.write(index, column, value)
    workbook.close()
    return path
