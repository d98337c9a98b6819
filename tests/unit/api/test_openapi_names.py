"""/openapi.json reads well in client generators: no two schemas share a
name, not even with the names a generator gives inline objects (schema name
+ property name, as openapi-python-client does: `Job.spec` becomes `JobSpec`),
and a nested object that may be null is `allOf: [$ref]` + `nullable`, which
generators read as "that object or null" (apispec's `anyOf` with an empty
object first made `job.output` come back empty). The integration test
test_generated_client.py runs the generator itself against a live farm."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    from api.app import create_app
    from domain.config import Settings

    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("spec"))
    return create_app(settings).test_client().get("/openapi.json").get_json()


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def test_no_inline_object_takes_the_name_of_a_schema(spec):
    schemas = spec["components"]["schemas"]
    clashes = []
    for name, schema in schemas.items():
        for prop, value in (schema.get("properties") or {}).items():
            inline = value.get("type") == "object" or (
                value.get("type") == "array" and (value.get("items") or {}).get("type") == "object"
            )
            generated = name + _pascal(prop) + ("Item" if value.get("type") == "array" else "")
            if inline and generated in schemas:
                clashes.append(f"{name}.{prop} -> {generated}")
    assert not clashes, clashes


def test_the_job_request_and_the_job_are_distinct_schemas(spec):
    schemas = spec["components"]["schemas"]
    assert {"JobRequest", "Job", "JobList", "JobEvent"} <= set(schemas)
    body = spec["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/JobRequest"}


def test_nullable_nested_objects_are_all_of_with_nullable(spec):
    output = spec["components"]["schemas"]["Job"]["properties"]["output"]
    assert output == {"allOf": [{"$ref": "#/components/schemas/Output"}], "nullable": True}
    assert '{"type": "object", "nullable": true}' not in json.dumps(spec)
