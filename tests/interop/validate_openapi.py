"""Validates an OpenAPI document read from stdin with openapi-spec-validator (an independent
implementation of the specification's schema); prints the version it declares."""
import json
import sys

from openapi_spec_validator import validate

spec = json.load(sys.stdin)
validate(spec)
print(spec.get("openapi"))
