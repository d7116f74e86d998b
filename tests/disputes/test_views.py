import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.disputes.models import Category, Dispute, Status
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _register_payload(county, **overrides):
    data = {
        "category": Category.objects.get(code="neighbour").pk,
        "title": "张庄村排水沟纠纷",
        "grid": county.east.grid.pk,
        "description": "两户因排水沟堵塞争吵",
        "channel": "grid_report",
        "level": "yellow",
        "people_involved": "2",
        "amount_involved": "",
        "began_on": "",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "50",
        "parties-0-name": "张三",
        "parties-0-role": "applicant",
        "parties-0-phone": "13800138000",
        "parties-0-id_number": "",
        "parties-0-address": "",
        "parties-1-name": "李四",
        "parties-1-role": "respondent",
        "parties-1-phone": "",
        "parties-1-id_number": "",
        "parties-1-address": "",
    }
    data.update(overrides)
    return data


def test_grid_worker_registers_a_dispute_with_two_parties_and_a_photo(client, county):
    client.force_login(county.east.grid_worker)
    photo = SimpleUploadedFile("scene.png", PNG, content_type="image/png")
    response = client.post(reverse("dispute_register"), _register_payload(county, attachment=photo))
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "dispute_detail", args=[dispute.case_number]
    )
    assert [p.name for p in dispute.parties.all()] == ["张三", "李四"]
    assert dispute.attachments.get().original_name == "scene.png"
    assert dispute.registered_by == county.east.grid_worker


def test_the_register_form_prefills_the_grid_workers_own_grid(client, county):
    client.force_login(county.east.grid_worker)
    html = client.get(reverse("dispute_register")).content.decode()
    assert county.east.grid.name in html and county.west.grid.name not in html


def test_an_invalid_id_number_is_shown_on_the_party_field_in_chinese(client, county):
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("dispute_register"),
        _register_payload(county, **{"parties-1-id_number": "110105194912310022"}),
    )
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert not Dispute.objects.exists()


def test_a_file_that_is_not_a_photo_or_pdf_is_refused(client, county):
    client.force_login(county.east.grid_worker)
    script = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        reverse("dispute_register"), _register_payload(county, attachment=script)
    )
    assert response.status_code == 200 and not Dispute.objects.exists()


def test_the_ledger_lists_only_cases_in_scope_and_filters_by_level(client, county):
    east = register_dispute(county.east, title="东边的纠纷")
    register_dispute(county.west, title="西边的纠纷", level="orange")
    client.force_login(county.east.chief)
    html = client.get(reverse("dispute_list")).content.decode()
    assert east.title in html and "西边的纠纷" not in html
    client.force_login(county.commander)
    html = client.get(reverse("dispute_list"), {"level": "orange"}).content.decode()
    assert "西边的纠纷" in html and east.title not in html


def test_the_ledger_search_finds_a_party_by_name(client, county):
    register_dispute(county.east, title="某纠纷")
    client.force_login(county.commander)
    assert "某纠纷" in client.get(reverse("dispute_list"), {"q": "李四"}).content.decode()
    assert "某纠纷" not in client.get(reverse("dispute_list"), {"q": "王五"}).content.decode()


def test_a_case_outside_the_area_is_not_found(client, county):
    d = register_dispute(county.west)
    client.force_login(county.east.chief)
    assert client.get(reverse("dispute_detail", args=[d.case_number])).status_code == 404


def test_the_case_page_shows_parties_masked_tasks_and_timeline(client, county):
    from concord.disputes.services import PartyInput

    d = register_dispute(
        county.east,
        parties=[PartyInput(name="王芳", phone="13812345678", id_number="11010519491231002X")],
    )
    client.force_login(county.east.officer)
    html = client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    assert "王芳" in html and "13812345678" not in html and "11010519491231002X" not in html
    assert 'data-task-kind="first_contact"' in html and 'data-action="register"' in html


def test_action_buttons_show_only_the_transitions_the_user_may_take(client, county):
    d = register_dispute(county.east)
    client.force_login(county.east.grid_worker)
    assert (
        'data-action="assess"'
        not in client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    )
    client.force_login(county.east.officer)
    assert (
        'data-action="assess"'
        in client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    )


def test_an_officer_assesses_through_the_page(client, county):
    d = register_dispute(county.east)
    client.force_login(county.east.officer)
    response = client.post(
        reverse("dispute_act", args=[d.case_number, "assess"]),
        {
            "expected_version": d.version,
            "assess-level": "orange",
            "assess-reasons": "扬言报复\n曾有推搡",
        },
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.ASSESSED and d.level == "orange"
    assert [r["text_zh"] for r in d.assessment.reasons if r["kind"] == "judgement"] == [
        "扬言报复",
        "曾有推搡",
    ]


def test_a_stale_form_is_refused_with_a_message_and_changes_nothing(client, county):
    d = register_dispute(county.east)
    client.force_login(county.east.officer)
    stale = d.version
    client.post(
        reverse("dispute_act", args=[d.case_number, "assess"]),
        {"expected_version": stale, "assess-level": "orange", "assess-reasons": "第一次"},
    )
    response = client.post(
        reverse("dispute_act", args=[d.case_number, "assess"]),
        {"expected_version": stale, "assess-level": "yellow", "assess-reasons": "第二次"},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    d.refresh_from_db()
    assert d.level == "orange"


def test_an_action_the_user_may_not_take_is_refused(client, county):
    d = register_dispute(county.east)
    client.force_login(county.east.grid_worker)
    client.post(
        reverse("dispute_act", args=[d.case_number, "assess"]),
        {"expected_version": d.version, "assess-level": "red", "assess-reasons": "x"},
    )
    d.refresh_from_db()
    assert d.status == Status.REGISTERED and d.level == "yellow"


def test_the_attachment_is_served_only_inside_the_area(client, county):
    photo = SimpleUploadedFile("scene.png", PNG, content_type="image/png")
    d = register_dispute(county.east, attachments=[photo])
    attachment = d.attachments.get()
    client.force_login(county.east.officer)
    response = client.get(reverse("attachment_download", args=[d.case_number, attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    client.force_login(county.west.officer)
    assert (
        client.get(reverse("attachment_download", args=[d.case_number, attachment.pk])).status_code
        == 404
    )


def test_my_tasks_lists_the_officers_open_tasks(client, county):
    d = register_dispute(county.east)
    client.force_login(county.east.officer)
    html = client.get(reverse("my_tasks")).content.decode()
    assert d.title in html


def test_an_officer_waives_a_task_with_a_reason_from_the_case_page(client, county):
    d = register_dispute(county.east)
    task = d.tasks.get(kind="mediation")
    client.force_login(county.east.officer)
    assert "waive-" in client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    client.post(reverse("task_act", args=[task.pk, "waive"]), {"reason": "双方已自行和解"})
    task.refresh_from_db()
    assert task.state == "waived" and task.waive_reason == "双方已自行和解"


def test_a_grid_worker_is_not_offered_waiving(client, county):
    d = register_dispute(county.east)
    client.force_login(county.east.grid_worker)
    assert (
        "waive-" not in client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    )


def test_the_checklist_preview_shows_the_level_and_reasons_for_the_answers(client, county):
    d = register_dispute(county.east, category="family")
    client.force_login(county.east.officer)
    page = client.get(reverse("dispute_questionnaire", args=[d.case_number])).content.decode()
    assert 'name="answers" value="separation"' in page and 'data-level="yellow"' in page
    partial = client.post(
        reverse("dispute_questionnaire_preview", args=[d.case_number]), {"answers": ["threat_kill"]}
    ).content.decode()
    assert 'data-level="red"' in partial and "同归于尽" in partial


def test_the_checklist_saves_an_assessment(client, county):
    d = register_dispute(county.east, category="family")
    client.force_login(county.east.officer)
    response = client.post(
        reverse("dispute_questionnaire", args=[d.case_number]),
        {"expected_version": d.version, "answers": ["separation", "fear", "substance"]},
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.level == "orange" and d.assessment.answers["separation"] is True
    html = client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    assert "双方是否正在分居" in html


def test_a_refused_downgrade_is_explained_on_the_checklist(client, county):
    d = register_dispute(county.east, description="双方扭打，一方被打伤")
    client.force_login(county.east.officer)
    response = client.post(
        reverse("dispute_questionnaire", args=[d.case_number]),
        {"expected_version": d.version, "level": "yellow", "reasons": "已和解"},
    )
    assert response.status_code == 422 and "第二审批人" in response.content.decode()
    d.refresh_from_db()
    assert d.assessment_id is None


def test_grid_workers_do_not_get_the_checklist(client, county):
    d = register_dispute(county.east)
    client.force_login(county.east.grid_worker)
    assert client.get(reverse("dispute_questionnaire", args=[d.case_number])).status_code == 404


def test_a_health_note_in_an_assessment_is_shown_to_officers_only(client, county):
    from concord.disputes import services

    d = register_dispute(county.east)
    services.dispute_assess(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        answers={"mental_disorder": True},
        reasons=["邻里口角"],
    )
    client.force_login(county.east.grid_worker)
    page = client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    assert 'data-testid="health-note-withheld"' in page and "精神" not in page
    client.force_login(county.east.officer)
    page = client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    assert 'data-testid="health-note-withheld"' not in page and "精神" in page
