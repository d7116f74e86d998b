"""The default dispute taxonomy (DESIGN §3). Codes are contracts; names may be edited by admins."""

CATEGORIES: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "family",
        "婚恋家庭纠纷",
        "Marriage and family",
        [
            ("family.marriage", "婚姻纠纷", "Marriage and divorce"),
            ("family.relationship", "恋爱分手纠纷", "Dating and break-up"),
            ("family.elder_support", "赡养纠纷", "Support of elders"),
            ("family.inheritance", "继承纠纷", "Inheritance"),
            ("family.domestic_violence", "家庭暴力", "Domestic violence"),
        ],
    ),
    (
        "neighbour",
        "邻里纠纷",
        "Neighbours",
        [
            ("neighbour.boundary", "宅界纠纷", "Boundaries between homes"),
            ("neighbour.drainage", "排水纠纷", "Drainage"),
            ("neighbour.noise", "噪音纠纷", "Noise"),
            ("neighbour.light_passage", "采光通行纠纷", "Light and shared passages"),
            ("neighbour.animals", "饲养动物纠纷", "Animals"),
        ],
    ),
    (
        "land",
        "土地山林纠纷",
        "Land and forest",
        [
            ("land.farmland", "承包地纠纷", "Contracted farmland"),
            ("land.house_plot", "宅基地纠纷", "House plots"),
            ("land.forest", "林地林木纠纷", "Forest"),
            ("land.graves", "坟地纠纷", "Graves"),
            ("land.wells_water", "水井水利纠纷", "Wells and irrigation"),
        ],
    ),
    (
        "debt",
        "经济债务纠纷",
        "Debts and contracts",
        [
            ("debt.loan", "借贷纠纷", "Loans"),
            ("debt.guarantee", "担保纠纷", "Guarantees"),
            ("debt.contract", "合同纠纷", "Contracts and sale proceeds"),
            ("debt.project_payment", "工程款纠纷", "Project payments"),
            ("debt.investment", "投资集资纠纷", "Investments"),
        ],
    ),
    (
        "labour",
        "劳资纠纷",
        "Labour and wages",
        [
            ("labour.wages", "欠薪纠纷", "Unpaid wages"),
            ("labour.injury", "工伤纠纷", "Work injuries"),
            ("labour.dismissal", "解除劳动关系纠纷", "Dismissal"),
            ("labour.platform", "平台用工纠纷", "Platform work"),
        ],
    ),
    (
        "medical",
        "医疗纠纷",
        "Medical",
        [
            ("medical.hospital", "医院诊疗纠纷", "Hospital treatment"),
            ("medical.clinic", "诊所卫生室纠纷", "Clinics"),
            ("medical.care_home", "养老机构纠纷", "Care homes"),
        ],
    ),
    (
        "requisition",
        "征地拆迁纠纷",
        "Requisition and demolition",
        [
            ("requisition.land", "征地补偿纠纷", "Land requisition compensation"),
            ("requisition.demolition", "拆迁纠纷", "Demolition"),
            ("requisition.resettlement", "安置房交付纠纷", "Resettlement housing"),
        ],
    ),
    (
        "damages",
        "损害赔偿纠纷",
        "Damages",
        [
            ("damages.traffic", "交通事故赔偿纠纷", "Traffic accidents"),
            ("damages.injury", "人身损害赔偿纠纷", "Personal injury"),
            ("damages.property", "财产损害赔偿纠纷", "Property damage"),
            ("damages.pollution", "污染损失纠纷", "Pollution losses"),
        ],
    ),
    (
        "property",
        "物业消费纠纷",
        "Property management and consumer",
        [
            ("property.management", "物业服务纠纷", "Property management"),
            ("property.heating_parking", "供暖停车纠纷", "Heating and parking"),
            ("property.consumer", "消费纠纷", "Consumer and prepaid cards"),
        ],
    ),
    ("other", "其他纠纷", "Other", []),
]

# DESIGN §4 defaults. Hours and days are counted from registration (or from a level change).
LEVEL_POLICIES = [
    {
        "level": "yellow",
        "handling_tier": "village",
        "first_contact_hours": 72,
        "assessment_hours": 72,
        "plan_days": None,
        "mediation_days": 7,
        "visit_interval_days": 30,
        "visits_after_outcome": 1,
        "closure_days": 60,
        "closure_approver_role": "community_officer",
        "needs_lead_leader": False,
    },
    {
        "level": "orange",
        "handling_tier": "station",
        "first_contact_hours": 24,
        "assessment_hours": 24,
        "plan_days": None,
        "mediation_days": 3,
        "visit_interval_days": 15,
        "visits_after_outcome": 2,
        "closure_days": 45,
        "closure_approver_role": "station_chief",
        "needs_lead_leader": False,
    },
    {
        "level": "red",
        "handling_tier": "bureau",
        "first_contact_hours": 2,
        "assessment_hours": 12,
        "plan_days": 3,
        "mediation_days": 3,
        "visit_interval_days": 7,
        "visits_after_outcome": 4,
        "closure_days": 30,
        "closure_approver_role": "bureau_commander",
        "needs_lead_leader": True,
    },
]


def load_reference_data(category_model, policy_model) -> None:
    """Create the default taxonomy and level policies where missing (used by the migration and tests)."""
    for order, (code, name, name_en, subtypes) in enumerate(CATEGORIES, start=1):
        parent, _ = category_model.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
        for sub_order, (sub_code, sub_name, sub_en) in enumerate(subtypes, start=1):
            category_model.objects.get_or_create(
                code=sub_code,
                defaults={
                    "name": sub_name,
                    "name_en": sub_en,
                    "parent": parent,
                    "sort_order": sub_order,
                },
            )
    for policy in LEVEL_POLICIES:
        policy_model.objects.get_or_create(level=policy["level"], defaults=policy)
