"""deploy/ (issue #15) cannot run here (no containers): its files are checked with tools
that can. The compose file against the Compose Specification's JSON schema (vendored by
check-jsonschema); the Helm chart rendered (it uses only ``{{ .Values.x.y }}`` and
``{{ .Release.Name }}``, which this test substitutes, and asserts nothing else is
templated) and each manifest validated against Kubernetes' schemas (kubernetes-validate,
strict); all YAML through yamllint; the shell scripts through ``bash -n``."""

from __future__ import annotations

import json
import re
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from yamllint import config as yl_config
from yamllint import linter

from gis.settings import REPO_ROOT, Settings

DEPLOY = REPO_ROOT / "deploy"
CHART = DEPLOY / "helm" / "landgis"
COMPONENTS = {
    "primary", "standby", "pgbouncer", "app", "haproxy", "redis", "objectstore",
    "dask-scheduler", "dask-worker",
}  # fmt: skip
KINDS = {"StatefulSet", "Deployment", "Service", "Ingress"}
LINT = yl_config.YamlLintConfig(
    "extends: default\nrules: {line-length: {max: 120}, document-start: disable, "
    "truthy: {check-keys: false}}"
)
TEMPLATE = re.compile(r"\{\{\s*\.(Values|Release)\.([A-Za-z0-9_.]+)\s*\}\}")


def _lint(text: str, name: str) -> None:
    problems = [f"{name}:{p.line}: {p.message}" for p in linter.run(text, LINT)]
    assert problems == []


def _compose_schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("compose-spec.json").read_text())  # type: ignore[no-any-return]


def test_compose_file_is_valid_and_has_every_component() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    _lint(text, "docker-compose.yml")
    doc = yaml.safe_load(text)
    schema = _compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    assert set(doc["services"]) == COMPONENTS
    env = doc["x-app-env"]
    fields = set(Settings.model_fields)
    for name in ("DATABASE_URL", "DATABASE_READ_URL", "DATABASE_PGBOUNCER", "DASK_SCHEDULER"):
        assert f"LANDGIS_{name}" in env and name.lower() in fields


def test_compose_schema_check_catches_a_broken_file() -> None:
    doc = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    doc["services"]["app"]["depends_on"] = 5
    doc["services"]["redis"]["restart_policy"] = "always"
    schema = _compose_schema()
    assert len(list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))) >= 2


def render(path: Path, release: str = "landgis") -> str:
    """The template with its value references filled (what ``helm template`` does here)."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())

    def fill(m: re.Match[str]) -> str:
        if m.group(1) == "Release":
            assert m.group(2) == "Name"
            return release
        node: Any = values
        for key in m.group(2).split("."):
            node = node[key]
        return str(node)

    text = TEMPLATE.sub(fill, path.read_text())
    assert "{{" not in text, f"{path.name}: a template construct this check cannot render"
    return text


@pytest.mark.parametrize("path", sorted((CHART / "templates").glob("*.yaml")), ids=lambda p: p.name)
def test_helm_templates_render_to_valid_kubernetes_manifests(path: Path) -> None:
    text = render(path)
    _lint(text, path.name)
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert docs and {d["kind"] for d in docs} <= KINDS
    for doc in docs:
        kubernetes_validate.validate(doc, "1.30.0", strict=True)


def test_helm_chart_covers_the_architecture() -> None:
    _lint((CHART / "Chart.yaml").read_text(), "Chart.yaml")
    _lint((CHART / "values.yaml").read_text(), "values.yaml")
    names = set()
    for path in (CHART / "templates").glob("*.yaml"):
        names |= {d["metadata"]["name"] for d in yaml.safe_load_all(render(path)) if d}
    for part in ("primary", "standby", "pgbouncer", "app", "redis", "objectstore", "dask-worker"):
        assert f"landgis-{part}" in names


def test_kubernetes_validation_catches_a_broken_manifest() -> None:
    doc = next(yaml.safe_load_all(render(CHART / "templates" / "app.yaml")))
    doc["spec"]["ports"][0]["port"] = "eighty"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, "1.30.0", strict=True)


def test_scripts_parse() -> None:
    for script in (DEPLOY / "postgres").glob("*.sh"):
        subprocess.run(["bash", "-n", str(script)], check=True)
