"""The deployment description publishes only the web app and refuses to start without secrets."""

from __future__ import annotations

import re
from pathlib import Path

from billing_core.secrets import DEVELOPMENT_VALUES
from ivr.hardening import WEB_APP_SECRETS
from tests.production.test_security import load_yaml

REPO = Path(__file__).resolve().parents[2]
INTERNAL = {"rasa": "5005", "actions": "5055", "postgres": "5432", "redis": "6379"}
NEEDS = {
    "web": (*WEB_APP_SECRETS, "TWILIO_ACCOUNT_SID", "TRUSTED_PROXIES"),
    "actions": ("ACTION_SERVER_SECRET",),
    "rasa": ("RASA_CHANNEL_SECRET", "RASA_API_TOKEN", "ACTION_SERVER_SECRET"),
    "remind": ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID"),
}


def compose() -> dict:
    return load_yaml(REPO / "deploy" / "docker-compose.yml")["services"]


def test_only_the_web_app_publishes_a_port_and_internal_services_are_only_exposed():
    services = compose()
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"web"}
    for name, port in INTERNAL.items():
        assert services[name]["expose"] == [port]


def test_compose_refuses_to_start_a_service_without_the_secrets_it_needs():
    services = compose()
    for service, names in NEEDS.items():
        env = services[service]["environment"]
        for name in names:
            assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", env[name]), (service, name)
    assert services["web"]["environment"]["BANK_DATA_KEY_FILE"].startswith("/run/secrets/")


def test_the_readiness_check_and_the_prometheus_scrape_send_the_ops_token():
    probe = " ".join(compose()["web"]["healthcheck"]["test"])
    assert "/ready" in probe and "'Bearer ' + os.environ['OPS_TOKEN']" in probe
    scrape = load_yaml(REPO / "deploy" / "prometheus.yml")["scrape_configs"][0]
    assert scrape["metrics_path"] == "/metrics"
    assert scrape["authorization"]["type"] == "Bearer"
    assert scrape["authorization"]["credentials_file"]


def test_the_production_page_lists_every_secret_and_what_refuses_without_it():
    page = (REPO / "docs" / "production.md").read_text()
    section = page.split("## Secrets", 1)[1].split("\n## ", 1)[0]
    for name in (*DEVELOPMENT_VALUES, "BANK_DATA_KEY_FILE", "HC_DEVELOPMENT", "TRUSTED_PROXIES"):
        assert f"`{name}`" in section, name
