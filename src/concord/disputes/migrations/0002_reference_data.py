from django.db import migrations

from concord.disputes.data.categories import CATEGORIES, LEVEL_POLICIES


def load(apps, schema_editor):
    Category = apps.get_model("disputes", "Category")
    LevelPolicy = apps.get_model("disputes", "LevelPolicy")
    for order, (code, name, name_en, subtypes) in enumerate(CATEGORIES, start=1):
        parent, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "sort_order": order})
        for sub_order, (sub_code, sub_name, sub_en) in enumerate(subtypes, start=1):
            Category.objects.get_or_create(code=sub_code, defaults={
                "name": sub_name, "name_en": sub_en, "parent": parent, "sort_order": sub_order})
    for policy in LEVEL_POLICIES:
        LevelPolicy.objects.get_or_create(level=policy["level"], defaults=policy)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
