"""Security tests: the scope matrix over every route and API fuzzing against the OpenAPI schema."""
