import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_is_in_chinese_by_default(client, county):
    client.force_login(county.east.auxiliary)
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-CN">' in html
    assert "我的辖区" in html and "谁在这里负责" in html and "退出登录" in html
    assert "My area" not in html


def test_home_switches_to_english_and_the_choice_persists(client, county):
    client.force_login(county.east.auxiliary)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "My area" in html and "Who is responsible here" in html and "Log out" in html
    assert "我的辖区" not in html


def test_home_lists_the_people_responsible_at_each_tier_for_a_grid_worker(client, county):
    client.force_login(county.east.grid_worker)
    html = client.get(reverse("home")).content.decode()
    for person in (
        county.east.officer,
        county.east.auxiliary,
        county.east.grid_worker,
        county.east.chief,
    ):
        assert person.display_name in html
    assert county.east.grid.name in html


def test_home_lists_the_sectors_of_a_station_with_their_officers(client, county):
    client.force_login(county.east.chief)
    html = client.get(reverse("home")).content.decode()
    assert county.east.post.name in html and county.east.officer.display_name in html
    assert county.west.post.name not in html and county.west.officer.display_name not in html


def test_navigation_shows_administration_only_to_admins_and_analysts(client, county):
    from tests.factories import UserFactory

    client.force_login(county.east.grid_worker)
    assert reverse("admin:index") not in client.get(reverse("home")).content.decode()
    client.force_login(UserFactory(role="analyst", scope_unit=county.bureau))
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def test_login_page_is_in_chinese(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "登录" in html and "用户名" in html and "密码" in html


def test_health_check_reports_the_database(client, db):
    response = client.get(reverse("healthz"))
    assert response.json()["status"] == "ok"
