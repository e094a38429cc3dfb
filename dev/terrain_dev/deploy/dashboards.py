"""Grafana dashboards (provisioned from deploy/grafana/dashboards), built from panel lists.

Every metric they query is one the code exports (tests/deploy checks it).
"""

import json
from typing import Any

from .panels import JETSTREAM, NOTIFICATIONS, PIPELINE, PRODUCT_OPS, SERVICE_RED, Panel

DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
WIDTH, HEIGHT = 12, 8

DASHBOARDS: dict[str, tuple[str, list[Panel], bool]] = {
    "pipeline-overview": ("Terrain: pipeline overview", PIPELINE, False),
    "service-red": ("Terrain: per-service RED", SERVICE_RED, True),
    "jetstream-consumers": ("Terrain: JetStream consumers", JETSTREAM, False),
    "notifications": ("Terrain: notifications and loop closure", NOTIFICATIONS, False),
    "product-ops": ("Terrain: Product Ops", PRODUCT_OPS, False),
}


def _panel(index: int, panel: Panel) -> dict[str, Any]:
    title, unit, queries = panel
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "datasource": DATASOURCE,
        "gridPos": {"x": (index % 2) * WIDTH, "y": (index // 2) * HEIGHT, "w": WIDTH, "h": HEIGHT},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(queries)
        ],
    }


def dashboard(uid: str) -> dict[str, Any]:
    title, panels, per_job = DASHBOARDS[uid]
    templating = (
        [
            {
                "name": "job",
                "type": "query",
                "datasource": DATASOURCE,
                "label": "service",
                "query": "label_values(terrain_ready, job)",
                "refresh": 2,
                "includeAll": True,
                "multi": True,
                "current": {"text": "All", "value": "$__all"},
            }
        ]
        if per_job
        else []
    )
    return {
        "uid": f"terrain-{uid}",
        "title": title,
        "tags": ["terrain"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": templating},
        "panels": [_panel(i, p) for i, p in enumerate(panels)],
    }


def files() -> dict[str, str]:
    return {f"{uid}.json": json.dumps(dashboard(uid), indent=2) + "\n" for uid in DASHBOARDS}


def expressions() -> list[str]:
    return [expr for _, panels, _ in DASHBOARDS.values() for _, _, queries in panels for expr, _ in queries]
