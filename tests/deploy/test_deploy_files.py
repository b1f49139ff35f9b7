"""deploy/: what can be checked without Docker or Kubernetes — files parse, names match the code, fields are there.

The dashboard's and the alerting rules' queries may only name metrics the code declares; every
ALERTDESK_* variable the Compose file, the manifests and the env examples set must be a setting
(an unknown one stops the worker at start).
"""
from __future__ import annotations

import configparser
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

import alertdesk.metrics  # noqa: F401  (each import declares its package's metrics on the default registry)
import incidents.heartbeats.metrics  # noqa: F401
import incidents.metrics  # noqa: F401
import incidents.sla.metrics  # noqa: F401
import notify.metrics  # noqa: F401
import streams.metrics  # noqa: F401
from alertdesk.settings import Settings, from_environment
from tests.prerequisites import program

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S, COMPOSE = DEPLOY / "k8s", DEPLOY / "compose"
SETTINGS = {name.upper() for name in Settings.__dataclass_fields__}
METRIC_NAME = re.compile(r"\balertdesk_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def declared_series() -> set[str]:
    """Every alertdesk_* series name the code can expose (counters as _total, histograms as _bucket/_sum/_count)."""
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        if family.name.startswith("alertdesk_")
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def yaml_documents(path: Path) -> list:
    return [doc for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc is not None]


def settings_named(variables) -> set[str]:
    """The ALERTDESK_* names among `variables` that are not settings."""
    return {name for name in variables if name.startswith("ALERTDESK_") and name[len("ALERTDESK_"):] not in SETTINGS}


@pytest.mark.parametrize("path", sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yml", ".yaml")),
                         ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path):
    assert yaml_documents(path)


def dashboard() -> dict:
    return json.loads((DEPLOY / "grafana" / "alertdesk.json").read_text("utf-8"))


def test_dashboard_queries_name_only_metrics_the_code_declares():
    exprs = [target["expr"] for panel in dashboard()["panels"] for target in panel["targets"]]
    named = {name for expr in exprs for name in METRIC_NAME.findall(expr)}
    assert named - declared_series() == set()
    # what the brief asks the dashboard to show
    assert {"alertdesk_consumer_lag", "alertdesk_alerts_received_total", "alertdesk_incidents_open",
            "alertdesk_pages_total", "alertdesk_escalations_due", "alertdesk_escalations_overdue",
            "alertdesk_sla_breaches_total", "alertdesk_dlq_records"} <= named


def test_dashboard_panels_use_the_provisioned_datasource_and_have_unique_ids():
    datasource = yaml_documents(DEPLOY / "grafana" / "provisioning" / "datasources" / "alertdesk.yml")[0]
    uid = datasource["datasources"][0]["uid"]
    panels = dashboard()["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    assert {panel["datasource"]["uid"] for panel in panels} == {uid}
    assert all(target["refId"] and target["expr"] for panel in panels for target in panel["targets"])


def test_alerting_rules_name_only_declared_metrics():
    rules = [rule for group in yaml_documents(DEPLOY / "prometheus" / "alerts.yml")[0]["groups"] for rule in group["rules"]]
    named = {name for rule in rules for name in METRIC_NAME.findall(rule["expr"])}
    assert named and named - declared_series() == set()


def test_promtool_accepts_the_prometheus_config_and_rules():
    promtool = program("promtool", install="the Debian package prometheus")
    for args in (["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"]):
        checked = subprocess.run([promtool, *args], cwd=DEPLOY / "prometheus", capture_output=True, text=True,
                                 timeout=60)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def compose() -> dict:
    return yaml_documents(COMPOSE / "docker-compose.yml")[0]


def test_compose_runs_kraft_kafka_postgres_workers_prometheus_and_grafana():
    services = compose()["services"]
    assert set(services) == {"kafka", "postgres", "migrate", "worker", "prometheus", "grafana"}
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert services["worker"]["command"] == ["worker"] and services["migrate"]["command"] == ["db", "upgrade"]
    assert services["worker"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert (DEPLOY.parent / services["worker"]["build"]["dockerfile"]).is_file()


def test_compose_workers_set_only_settings_that_exist_and_reach_kafka_and_postgres():
    environment = compose()["services"]["worker"]["environment"]
    assert settings_named(environment) == set()
    assert environment["ALERTDESK_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert "@postgres:5432/" in environment["ALERTDESK_DATABASE_URL"]
    assert environment["ALERTDESK_HTTP_HOST"] == "0.0.0.0"


def test_compose_mounts_files_that_exist():
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE / source).resolve().exists(), f"{name}: {source}"


def test_prometheus_scrapes_the_compose_workers_on_their_http_port():
    config = yaml_documents(DEPLOY / "prometheus" / "prometheus.yml")[0]
    job = next(job for job in config["scrape_configs"] if job["job_name"] == "alertdesk")
    assert job["metrics_path"] == "/metrics"
    assert job["dns_sd_configs"][0]["names"] == ["worker"] and job["dns_sd_configs"][0]["port"] == 8080


def manifests() -> dict[str, dict]:
    """Every Kubernetes object the kustomization lists, by kind."""
    listed = yaml_documents(K8S / "kustomization.yaml")[0]["resources"]
    assert sorted(listed) == sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    objects = [doc for name in listed for doc in yaml_documents(K8S / name)]
    for obj in objects:
        assert obj["apiVersion"] and obj["kind"] and obj["metadata"]["name"], obj
    return {obj["kind"]: obj for obj in objects}


def test_deployment_probes_health_and_readiness_and_selects_its_own_pods():
    objects = manifests()
    deployment = objects["Deployment"]
    spec = deployment["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    container = spec["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {source.get("configMapRef", source.get("secretRef"))["name"] for source in container["envFrom"]} == {
        objects["ConfigMap"]["metadata"]["name"], objects["Secret"]["metadata"]["name"]
    }
    assert objects["Service"]["spec"]["selector"].items() <= labels.items()
    assert objects["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert objects["Job"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]


def test_configmap_and_secret_hold_valid_settings_and_the_secret_is_a_template():
    objects = manifests()
    config, secret = objects["ConfigMap"]["data"], objects["Secret"]["stringData"]
    assert settings_named({**config, **secret}) == set()
    from_environment(config)  # the values parse as their settings' types
    assert all("REPLACE_ME" in value or value.startswith("+1000") for value in secret.values())


@pytest.mark.parametrize("example", [COMPOSE / "alertdesk.env.example", DEPLOY / "systemd" / "alertdesk.env.example"],
                         ids=lambda p: str(p.relative_to(DEPLOY)))
def test_env_examples_set_only_settings(example: Path):
    lines = [line for line in example.read_text("utf-8").splitlines() if line and not line.startswith("#")]
    variables = dict(line.split("=", 1) for line in lines)
    assert settings_named(variables) == set()


def test_systemd_unit_runs_a_worker_and_stops_it_gracefully():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / "systemd" / "alertdesk-worker@.service", encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].endswith("/alertdesk worker")
    assert service["KillSignal"] == "SIGINT" and int(service["TimeoutStopSec"]) > 15
    assert service["Restart"] == "always"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_metrics_table_of_docs_deploy_lists_every_declared_metric():
    docs = (DEPLOY.parent / "docs" / "deploy.md").read_text("utf-8")
    table = {match for line in docs.splitlines() if line.startswith("| `alertdesk_")
             for match in METRIC_NAME.findall(line.split("|")[1])}
    declared = {family.name + ("_total" if family.type == "counter" else "")
                for family in REGISTRY.collect() if family.name.startswith("alertdesk_")}
    assert table == declared
