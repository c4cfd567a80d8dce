"""The OpenAPI 3 schema and the offline Swagger UI."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_or_errors(tmp_path):
    """drf-spectacular's own check: every view is annotated, every enum has one name, the result is
    valid OpenAPI 3."""
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yaml"),
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "Error" not in result.stderr, result.stderr
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.")


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_lists_the_public_and_the_staff_catalog_operations(schema):
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {"get"} <= set(paths["/api/v1/items/"])
    assert {"get", "post"} <= set(paths["/api/v1/manage/items/"])
    assert {"get", "put", "delete"} <= set(paths["/api/v1/manage/items/{item_id}/"])
    for action in ("new-version", "submit", "publish", "return", "lifecycle"):
        assert "post" in paths[f"/api/v1/manage/items/{{item_id}}/{action}/"]
    assert "post" in paths["/api/v1/auth/token/"]


def test_schema_lists_the_case_operations_with_their_refusals(schema):
    paths = schema["paths"]
    for action in ("withdraw", "accept", "receive", "refuse", "deliver", "pass", "decide"):
        assert "post" in paths[f"/api/v1/applications/{{number}}/{action}/"], action
    for action in ("settle", "pay"):  # at the window, and online by the applicant
        operation = paths[f"/api/v1/applications/{{number}}/fees/{{fee_id}}/{action}/"]["post"]
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"]), action


def test_schema_lists_the_rating_operations_with_named_enums(schema):
    paths = schema["paths"]
    assert {"get"} <= set(paths["/api/v1/ratings/"]) and {"get"} <= set(paths["/api/v1/ratings/indicators/"])
    rate = paths["/api/v1/ratings/{number}/"]["post"]
    assert {"201", "403", "404", "409", "422"} <= set(rate["responses"])
    for action in ("verify", "reply", "follow-up", "appeal", "appeal/decide"):
        assert "post" in paths[f"/api/v1/rectifications/{{rectification_id}}/{action}/"], action
    figures = paths["/api/v1/supervision/figures/"]["get"]
    assert {"date_from", "region", "department", "item_code", "hall", "window", "clerk"} <= {
        p["name"] for p in figures["parameters"]
    }
    components = schema["components"]["schemas"]
    assert components["RatingLevelEnum"]["enum"] == [1, 2, 3, 4, 5]
    assert {"RectificationStatusEnum", "EvaluationStatusEnum", "RatingChannelEnum"} <= set(components)


def test_every_operation_documents_its_errors_with_the_error_body(schema):
    error_ref = "#/components/schemas/Error"
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "detail"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {code: body for code, body in operation["responses"].items() if code.startswith("4")}
            assert errors, f"{method.upper()} {path} documents no error"
            for code, body in errors.items():
                assert body["content"]["application/json"]["schema"]["$ref"] == error_ref, (method, path, code)


def test_swagger_ui_is_served_from_the_portal_itself(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets), assets
    # The CSP forbids inline scripts and styles: the page has none.
    assert "<style" not in page
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", page))
    for url in assets:
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url


def test_swagger_ui_start_up_script_points_at_the_schema(client):
    response = client.get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


def test_sidecar_holds_the_swagger_ui_bundle():
    bundle = finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle and Path(bundle).stat().st_size > 100_000
