"""API fuzzing (DESIGN §5): schemathesis generates requests from the OpenAPI schema and sends them,
authenticated as a station chief, to the application in-process. No request may cause a 5xx, and
every response must be documented in the schema and conform to it."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from concord.api import api

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


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
