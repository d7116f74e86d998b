"""API fuzzing (DESIGN §5): schemathesis generates requests from the OpenAPI schema and sends them,
authenticated as a station chief, to the application in-process. No request may cause a 5xx, and
every response must be documented in the schema and conform to it."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from concord.api import api

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (close_old_connections);
    on PostgreSQL that would close the test's connection mid-transaction. Django's own test client
    does the same as this fixture while it makes requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_answers_every_generated_request_within_its_schema(case, world):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world.tokens['chief']}"}, checks=CHECKS
    )
