import pytest
from django.urls import reverse

SCHEMA = reverse("api:v1:schema")
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


@pytest.fixture
def schema(client, db):
    response = client.get(SCHEMA, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_an_openapi_3_1_document(schema):
    try:
        from openapi_spec_validator import OpenAPIV31SpecValidator
    except ImportError:
        OpenAPIV31SpecValidator = None
    if OpenAPIV31SpecValidator is not None:
        OpenAPIV31SpecValidator(schema).validate()
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] and schema["info"]["version"]
    assert "deviceToken" in schema["components"]["securitySchemes"]
    refs = []

    def collect(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(schema["paths"])
    collect(schema["components"])
    components = schema["components"]["schemas"]
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in components, ref
    for path, item in schema["paths"].items():
        assert path.startswith("/api/v1/"), path
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            assert operation.get("operationId"), (method, path)
            assert operation.get("responses"), (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert "{" + parameter["name"] + "}" in path


def test_schema_documents_the_partner_api(schema):
    paths = schema["paths"]
    assert set(paths["/api/v1/partner/communes/"]) >= {"get", "post"}
    assert set(paths["/api/v1/partner/communes/{commune_slug}/"]) >= {"get", "patch"}
    assert set(paths["/api/v1/partner/communes/{commune_slug}/modules/{module}/"]) >= {
        "put",
        "patch",
    }
    assert set(paths["/api/v1/partner/plans/{id}/"]) >= {"get", "patch"}
    post = paths["/api/v1/partner/communes/"]["post"]
    assert post["tags"] == ["partner"]
    assert {"201", "400", "401", "403"} <= set(post["responses"])
    assert {"200", "401", "403", "404"} <= set(
        paths["/api/v1/partner/communes/{commune_slug}/"]["get"]["responses"]
    )


def test_docs_render_with_self_hosted_assets(client, db):
    response = client.get(reverse("api:v1:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"):
        assert cdn not in html


def test_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "openapi: 3.1.0" in target.read_text()
