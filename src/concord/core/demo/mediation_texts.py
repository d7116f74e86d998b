"""Phrase pools for the demo's mediation: what officers ask of a body, why a body sends a case back,
what sessions found, what agreements say and what is to be performed.

Plain data. Templates are `str.format` strings over these fields (a template uses only some):

    {a} {b}     the applicant's and the respondent's names, e.g. 张秀英, 李建国
    {focus}     the point in dispute, e.g. 欠款数额和还款期限
    {what}      what the money is, e.g. 借款, 拖欠工资
    {amt}       a sum, e.g. 3.5万元, 8000元
    {n}         how many days until the next session

`mediation.py` picks from them with the step's own random stream.
"""

# The county's own bodies (they serve the bureau's whole territory): key, kind, department, name,
# address, the usernames of their mediators.
COUNTY_BODIES = (
    (
        "court",
        "court",
        "",
        "淮阳区人民法院诉前调解中心",
        "淮阳区人民法院诉讼服务中心一楼",
        ("mediator-court", "mediator-court-2"),
    ),
    (
        "hrss",
        "department",
        "人社",
        "淮阳区人社局劳动争议调解中心",
        "淮阳区人力资源和社会保障局二楼",
        ("mediator-hrss", "mediator-hrss-2"),
    ),
    (
        "housing",
        "department",
        "住建",
        "淮阳区住建局物业纠纷调解室",
        "淮阳区住房和城乡建设局一楼",
        ("mediator-housing",),
    ),
    (
        "health",
        "department",
        "卫健",
        "淮阳区卫健委医疗纠纷调解室",
        "淮阳区卫生健康委员会三楼",
        ("mediator-health", "mediator-health-2"),
    ),
    (
        "land",
        "department",
        "自然资源",
        "淮阳区自然资源局土地权属争议调处室",
        "淮阳区自然资源局二楼",
        ("mediator-land",),
    ),
    (
        "market",
        "department",
        "市场监管",
        "淮阳区市场监管局消费纠纷调解室",
        "淮阳区市场监督管理局一楼",
        ("mediator-market",),
    ),
)
COURT_NAME = "淮阳区人民法院"
COURT_CODE = "豫1603"

# Which body a case goes to, by category: the keys name a kind of body the case's place has
# (village: its village's committee, township, justice, desk: its station's) or a county body.
BODY_WEIGHTS = {
    "family": {"village": 4, "township": 4, "desk": 2, "justice": 1, "court": 1},
    "neighbour": {"village": 5, "township": 3, "desk": 2, "justice": 1},
    "land": {"land": 3, "justice": 3, "township": 2, "village": 2},
    "debt": {"court": 3, "township": 2, "justice": 2, "desk": 1},
    "labour": {"hrss": 8, "township": 1, "desk": 1},
    "medical": {"health": 9, "township": 1},
    "requisition": {"township": 3, "justice": 2, "housing": 1, "land": 1},
    "damages": {"desk": 3, "township": 2, "court": 2, "justice": 1},
    "property": {"market": 2, "housing": 3, "township": 2},
    "other": {"township": 3, "desk": 3, "justice": 1},
}
# Sub-types that belong with one department more than the category's mix says.
SUBTYPE_BODY = {
    "property.consumer": "market",
    "property.management": "housing",
    "property.heating_parking": "housing",
    "requisition.land": "land",
    "requisition.resettlement": "housing",
    "land.house_plot": "land",
}

REFER_NOTES = (
    "双方均同意调解，请依法组织调解并及时反馈结果",
    "案情已初步核实，请协助组织双方调解",
    "当事人申请人民调解，请受理并在期限内调处",
    "请发挥专业调解优势化解，调解情况及时告知责任民警",
    "已做好双方稳控工作，请尽快组织调解",
)
JOINT_NOTE = "联合调解："
RETURN_REASONS = (
    "该纠纷已进入诉讼程序，不属于人民调解受理范围",
    "被申请人明确拒绝调解",
    "纠纷涉及行政处理决定，建议由主管部门依法处理",
    "纠纷发生地不在本调解组织的调解范围内",
    "案情涉及违法犯罪线索，退回公安机关依法处理",
)
WITHDRAW_REASONS = (
    "双方已自行和解，撤回委托调解",
    "当事人选择向人民法院起诉，撤回委托",
    "经研判改由派出所继续调处，撤回委托",
)
FAILED_TASK_NOTES = (
    "已研究下一步处置方案：由责任民警继续调处，落实稳控措施",
    "已告知当事人诉讼途径，落实专人稳控",
    "已与包案领导研究，转为稳控并引导依法维权",
)

# The point in dispute, by sub-type (the category's where a case has none).
FOCUS = {
    "family": ("家庭矛盾的化解",),
    "family.marriage": ("离婚财产分割和子女抚养", "夫妻共同财产的分割"),
    "family.relationship": ("彩礼及恋爱期间往来款项的返还",),
    "family.elder_support": ("赡养费的负担和老人的照料",),
    "family.inheritance": ("遗产的分配",),
    "family.domestic_violence": ("家庭矛盾的化解和人身安全保障",),
    "neighbour": ("相邻关系的处理",),
    "neighbour.boundary": ("宅基地界线",),
    "neighbour.drainage": ("排水走向和沟渠疏通",),
    "neighbour.noise": ("噪音扰民和赔礼道歉",),
    "neighbour.light_passage": ("通行道路和采光",),
    "neighbour.animals": ("饲养动物致害的赔偿和管束",),
    "land": ("土地权属",),
    "land.farmland": ("承包地的四至界线",),
    "land.house_plot": ("宅基地的使用范围",),
    "land.forest": ("林木权属和补偿",),
    "land.graves": ("坟地的位置和迁移",),
    "land.wells_water": ("机井和灌溉用水的使用",),
    "debt": ("欠款数额和还款期限",),
    "debt.loan": ("借款数额和还款期限",),
    "debt.guarantee": ("担保责任的承担",),
    "debt.contract": ("货款结算和支付期限",),
    "debt.project_payment": ("工程款结算和支付期限",),
    "debt.investment": ("投资款的退还",),
    "labour": ("劳动报酬的支付",),
    "labour.wages": ("拖欠工资数额和支付时间",),
    "labour.injury": ("工伤赔偿数额",),
    "labour.dismissal": ("经济补偿金数额",),
    "labour.platform": ("劳动报酬和平台扣款",),
    "medical": ("诊疗过程有无过错和补偿数额", "后续治疗费用的负担"),
    "medical.care_home": ("老人在养老机构受伤的责任和补偿",),
    "requisition": ("补偿标准和安置方式",),
    "requisition.land": ("征地补偿标准",),
    "requisition.demolition": ("拆迁补偿和安置方式",),
    "requisition.resettlement": ("交房期限和过渡费",),
    "damages": ("责任划分和赔偿数额",),
    "damages.traffic": ("事故责任划分和赔偿数额",),
    "damages.injury": ("医疗费、误工费的负担",),
    "damages.property": ("财产损失的赔偿",),
    "damages.pollution": ("污染损失的赔偿",),
    "property": ("物业服务质量和物业费缴纳",),
    "property.heating_parking": ("车位使用和停车收费", "供暖费用和供暖质量"),
    "property.consumer": ("预付卡余额退还",),
    "other": ("双方的误会和各自的过错",),
}
# What the money is, by category (the sub-type wins where it has its own).
MONEY_WHAT = {
    "family": "财产折价款",
    "family.elder_support": "赡养费",
    "family.inheritance": "遗产折价款",
    "family.relationship": "彩礼及往来款项",
    "neighbour": "补偿款",
    "land": "青苗及地上附着物补偿款",
    "debt": "欠款",
    "debt.loan": "借款",
    "debt.project_payment": "工程款",
    "labour": "拖欠工资",
    "labour.injury": "工伤赔偿款",
    "labour.dismissal": "经济补偿金",
    "medical": "一次性补偿款",
    "requisition": "补偿款",
    "requisition.resettlement": "过渡费",
    "damages": "赔偿款",
    "property": "补偿款",
    "property.consumer": "预付卡余额",
    "other": "补偿款",
}
# Things to be done that are not money, by category.
DEEDS = {
    "family": (
        "{b}当面向{a}赔礼道歉并书面保证不再打骂",
        "子女按月轮流照料老人",
        "双方按约定时间交接子女探视",
    ),
    "neighbour": (
        "{b}清理堵塞的排水沟",
        "{b}拆除越界搭建的棚子",
        "{b}当面向{a}赔礼道歉",
        "{b}将饲养的狗拴养，不再散放",
    ),
    "land": (
        "双方按确认的界址栽立界桩",
        "{b}退还占用的承包地",
        "{b}迁移越界种植的树木",
    ),
    "requisition": ("施工方恢复损毁的道路和沟渠", "开发商书面承诺交房日期"),
    "property": (
        "物业公司维修楼道照明和门禁",
        "商家为{a}办理退卡手续",
        "物业公司清理占用的消防通道",
    ),
    "other": ("{b}当面向{a}赔礼道歉",),
}
DEED_ANY = ("{b}当面向{a}赔礼道歉", "双方书面承诺今后不再因此事发生争执")

SESSION_SUMMARIES = {
    "continuing": (
        "调解员分别听取{a}、{b}的陈述，双方在{focus}上分歧较大，约定{n}日后继续调解",
        "背对背做双方工作，{b}态度有所缓和，就{focus}尚未达成一致，择日再调",
        "组织双方核对事实，对{focus}各执一词，调解员释法明理后约定再次调解",
    ),
    "agreed": (
        "经释法明理、耐心疏导，双方就{focus}达成一致，自愿签订调解协议",
        "在村干部和双方亲属见证下，双方就{focus}协商一致，当场签字确认",
        "调解员提出调解方案，双方就{focus}互谅互让，达成调解协议",
    ),
    "not_agreed": (
        "双方在{focus}上分歧过大，{b}不接受调解方案，调解终结，告知当事人可通过诉讼途径解决",
        "{a}坚持原有诉求，{b}拒绝让步，调解未能达成协议",
        "经多次调解，双方对{focus}仍无法达成一致，终止调解",
    ),
}
ATTENDEE_EXTRAS = ("及双方亲属", "，村干部列席", "，网格员列席", "，责任民警列席", "")
FACTS = "{title}。双方争议焦点为{focus}。"
MONEY_TERMS = (
    "一、{b}同意支付{a}{what}共计{amt}；二、上述款项按以下期限履行：{schedule}；三、{closing}。"
)
DEED_TERMS = "一、{deeds}；二、{closing}。"
CLOSINGS = (
    "本协议履行完毕后，双方就此纠纷再无其他争议",
    "双方今后互谅互让，不得再因此事发生争执",
    "任何一方不履行本协议的，另一方可依法申请司法确认或向人民法院起诉",
)
PERFORMED_NOTES = ("", "", "已当面交付，双方签字确认", "已通过银行转账支付", "调解员现场见证履行")
