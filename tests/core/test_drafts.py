"""How a view decorated with draft_aware answers drafts.js, and the draft's token."""

import uuid

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory

from concord.core.drafts import client_token, draft_aware


class _User:
    is_authenticated = True


def _request(*, draft=True, user=None, data=None):
    headers = {"HTTP_X_CONCORD_DRAFT": "1"} if draft else {}
    request = RequestFactory().post("/somewhere/", data or {}, **headers)
    request.user = user or _User()
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _view(level=None, response=None):
    @draft_aware
    def view(request):
        if level is not None:
            messages.add_message(request, level, "…")
        return response or redirect("/done/")

    return view


def test_a_redirect_becomes_json_for_a_draft():
    answer = _view()(_request())
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    assert answer.content == b'{"status": "done", "redirect": "/done/"}'


def test_a_redirect_with_an_error_message_is_refused_and_the_message_waits():
    request = _request()
    answer = _view(messages.ERROR)(request)
    assert b'"status": "refused"' in answer.content
    assert [m.level for m in request._messages._queued_messages] == [messages.ERROR]


def test_a_success_message_is_done():
    assert b'"status": "done"' in _view(messages.SUCCESS)(_request()).content


def test_a_signed_out_draft_gets_401():
    answer = _view()(_request(user=AnonymousUser()))
    assert answer.status_code == 401


def test_other_answers_and_ordinary_requests_pass_through():
    page = HttpResponse("<form>", status=422)
    assert _view(response=page)(_request()) is page
    assert _view()(_request(draft=False)).status_code == 302


def test_the_token_is_a_uuid_or_nothing():
    token = uuid.uuid4()
    assert client_token(_request(data={"client_token": str(token)})) == token
    assert client_token(_request(data={"client_token": "not-a-uuid"})) is None
    assert client_token(_request()) is None
