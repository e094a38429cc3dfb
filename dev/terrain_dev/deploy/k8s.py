"""Kubernetes manifests (kustomize base) for the four services, NATS and the MongoDB users job.

Per service: Deployment, Service, PodDisruptionBudget, NetworkPolicy, and its autoscaling: a KEDA
ScaledObject on JetStream consumer lag for what consumes, an HPA on CPU for HTTP intake. A service
that does both (feedback) runs as two Deployments of one image: `<name>-http` without consumers,
scaled on CPU, and `<name>` with them, scaled on lag.
"""

from typing import Any

import yaml

from .specs import ServiceSpec

PART_OF = "terrain"
NATS_URL = "nats://nats:4222"
NATS_MONITORING = "nats.terrain.svc.cluster.local:8222"
IMAGE = "ghcr.io/terrain/{name}:1.0.0"
Manifest = dict[str, Any]


def _labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": component, "app.kubernetes.io/part-of": PART_OF}


def _meta(name: str, component: str | None = None) -> dict[str, Any]:
    return {"name": name, "labels": _labels(component or name)}


def _env(spec: ServiceSpec, consumers: bool) -> list[dict[str, Any]]:
    prefix, secret = spec.name.upper(), f"terrain-{spec.name}"

    def from_secret(key: str, optional: bool = False) -> dict[str, Any]:
        ref: dict[str, Any] = {"name": secret, "key": key}
        if optional:
            ref["optional"] = True
        return {"secretKeyRef": ref}

    return [
        {"name": f"{prefix}_HTTP__HOST", "value": "0.0.0.0"},
        {"name": f"{prefix}_NATS__URL", "value": NATS_URL},
        {"name": f"{prefix}_NATS__USER", "value": spec.name},
        {"name": f"{prefix}_NATS__PASSWORD", "valueFrom": from_secret("nats-password")},
        {"name": f"{prefix}_NATS__STREAM_REPLICAS", "value": "3"},
        {"name": f"{prefix}_MONGO__URI", "valueFrom": from_secret("mongo-uri")},
        {"name": f"{prefix}_ADMIN_KEY", "valueFrom": from_secret("admin-key", optional=True)},
        {
            "name": f"{prefix}_TELEMETRY__OTLP_ENDPOINT",
            "value": "http://otel-collector.observability:4318/v1/traces",
        },
        {"name": f"{prefix}_CONSUMERS_ENABLED", "value": "true" if consumers else "false"},
        {"name": f"{prefix}_INSTANCE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]


def _container(spec: ServiceSpec, consumers: bool) -> Manifest:
    probe = {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5, "failureThreshold": 3}
    return {
        "name": spec.name,
        "image": IMAGE.format(name=spec.name),
        "ports": [{"name": "http", "containerPort": spec.port}],
        "env": _env(spec, consumers),
        "readinessProbe": probe,
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 6,
        },
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "768Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def deployment(spec: ServiceSpec, component: str, consumers: bool) -> Manifest:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(component),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": component}},
            "template": {
                "metadata": {
                    "labels": _labels(component),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(spec.port),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    # In-flight handlers finish and the outbox is flushed on SIGTERM (graceful_timeout 20 s).
                    "terminationGracePeriodSeconds": 45,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 10001,
                        "fsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [_container(spec, consumers)],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def service(spec: ServiceSpec, component: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(component),
        "spec": {
            "selector": {"app.kubernetes.io/name": component},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def disruption_budget(component: str) -> Manifest:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(component),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": component}}},
    }


def network_policy(spec: ServiceSpec, component: str, public_http: bool) -> Manifest:
    """Services never call each other: ingress only from the ingress controller (intake), Prometheus, and the
    console (the web application people use, a client of every service's API)."""
    sources = [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "console"}}},
    ]
    if public_http:
        sources.append(
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(component),
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": component}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": sources, "ports": [{"port": spec.port, "protocol": "TCP"}]}],
            "egress": _egress(spec),
        },
    }


def _egress(spec: ServiceSpec) -> list[Manifest]:
    """The bus, the database, DNS and the trace collector; the notifier also reaches the internet."""
    egress: list[Manifest] = [
        {
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "nats"}}}],
            "ports": [{"port": 4222, "protocol": "TCP"}],
        },
        {
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "mongodb"}}}],
            "ports": [{"port": 27017, "protocol": "TCP"}],
        },
        {
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        },
        {
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}],
            "ports": [{"port": 4318, "protocol": "TCP"}],
        },
    ]
    if spec.name == "notifier":  # Slack, SMTP and customers' webhooks live outside the cluster
        egress.append(
            {
                "to": [
                    {
                        "ipBlock": {
                            "cidr": "0.0.0.0/0",
                            "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
                        }
                    }
                ],
                "ports": [{"port": p, "protocol": "TCP"} for p in (443, 465, 587)],
            }
        )
    return egress


def scaled_object(spec: ServiceSpec) -> Manifest:
    triggers = [
        {
            "type": "nats-jetstream",
            "metadata": {
                "natsServerMonitoringEndpoint": NATS_MONITORING,
                "account": "TERRAIN",
                "stream": stream,
                "consumer": durable,
                "lagThreshold": "500",
                "activationLagThreshold": "10",
                "useHttps": "false",
            },
        }
        for stream, durable in spec.event_consumers
    ]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _meta(spec.name),
        "spec": {
            "scaleTargetRef": {"name": spec.name},
            "minReplicaCount": 2,
            "maxReplicaCount": 12,
            "cooldownPeriod": 300,
            "triggers": triggers,
        },
    }


def cpu_autoscaler(component: str) -> Manifest:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _meta(component),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": component},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def service_manifests(spec: ServiceSpec) -> dict[str, list[Manifest]]:
    """File name -> documents, for one service's folder in the base."""
    files: dict[str, list[Manifest]] = {}
    consumes = bool(spec.event_consumers)
    if spec.http_intake:
        http = f"{spec.name}-http"
        files["http.yaml"] = [
            deployment(spec, http, consumers=False),
            service(spec, http),
            disruption_budget(http),
            network_policy(spec, http, public_http=True),
            cpu_autoscaler(http),
        ]
    if consumes or not spec.http_intake:
        files["deployment.yaml"] = [
            deployment(spec, spec.name, consumers=consumes),
            service(spec, spec.name),
            disruption_budget(spec.name),
            network_policy(spec, spec.name, public_http=False),
        ]
        if consumes:
            files["autoscaling.yaml"] = [scaled_object(spec)]
    return files


def dump(documents: list[Manifest]) -> str:
    header = "# GENERATED by `./terrain deploy write` from the services' declarations: do not edit.\n"
    return header + "---\n".join(yaml.safe_dump(doc, sort_keys=False) for doc in documents)
