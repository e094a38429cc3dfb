"""The panels of the Grafana dashboards (``dashboards.py`` lays them out): what each one queries."""

# (title, unit, [(expr, legend)])
Panel = tuple[str, str, list[tuple[str, str]]]

PIPELINE: list[Panel] = [
    (
        "Feedback taken in, by source and outcome",
        "reqps",
        [("sum by (source, outcome) (rate(terrain_feedback_intake_total[5m]))", "{{source}} {{outcome}}")],
    ),
    (
        "Input refused (field errors), by channel",
        "reqps",
        [("sum by (channel) (rate(terrain_feedback_rejected_total[5m]))", "{{channel}}")],
    ),
    (
        "Feedback classified, by category",
        "reqps",
        [
            (
                "sum by (category, outcome) (rate(terrain_insights_items_classified_total[5m]))",
                "{{category}} {{outcome}}",
            )
        ],
    ),
    (
        "Insights emitted, by kind and severity",
        "short",
        [
            (
                "sum by (kind, severity) (increase(terrain_insights_insights_total[15m]))",
                "{{kind}} {{severity}}",
            )
        ],
    ),
    (
        "Notifications, by channel and outcome",
        "short",
        [
            (
                "sum by (channel, outcome) (increase(terrain_notifier_notifications_total[15m]))",
                "{{channel}} {{outcome}}",
            )
        ],
    ),
    (
        "Dead letters, by consumer and cause",
        "short",
        [("sum by (consumer, cause) (increase(terrain_dead_letters_total[15m]))", "{{consumer}} {{cause}}")],
    ),
    (
        "Outbox: unpublished events and age of the oldest",
        "short",
        [
            ("sum by (job) (terrain_outbox_backlog)", "{{job}} backlog"),
            ("max by (job) (terrain_outbox_oldest_age_seconds)", "{{job}} oldest (s)"),
        ],
    ),
    (
        "Consumer lag (messages not yet delivered)",
        "short",
        [("sum by (consumer) (terrain_consumer_pending_messages)", "{{consumer}}")],
    ),
]

SERVICE_RED: list[Panel] = [
    (
        "HTTP requests, by route and status",
        "reqps",
        [
            (
                'sum by (route, status) (rate(terrain_http_requests_total{job=~"$job"}[5m]))',
                "{{route}} {{status}}",
            )
        ],
    ),
    (
        "HTTP 5xx ratio",
        "percentunit",
        [
            (
                'sum(rate(terrain_http_requests_total{job=~"$job",status=~"5.."}[5m])) '
                '/ sum(rate(terrain_http_requests_total{job=~"$job"}[5m]))',
                "5xx",
            )
        ],
    ),
    (
        "HTTP latency p95, by route",
        "s",
        [
            (
                "histogram_quantile(0.95, sum by (le, route) "
                '(rate(terrain_http_request_duration_seconds_bucket{job=~"$job"}[5m])))',
                "{{route}}",
            )
        ],
    ),
    (
        "Messages handled, by handler and status",
        "reqps",
        [
            (
                "sum by (handler, status) "
                '(rate(faststream_received_processed_messages_total{job=~"$job"}[5m]))',
                "{{handler}} {{status}}",
            )
        ],
    ),
    (
        "Handler duration p95",
        "s",
        [
            (
                "histogram_quantile(0.95, sum by (le, handler) "
                '(rate(faststream_received_processed_messages_duration_seconds_bucket{job=~"$job"}[5m])))',
                "{{handler}}",
            )
        ],
    ),
    (
        "Batch size and commit time (mean)",
        "short",
        [
            (
                'sum by (consumer) (rate(terrain_consumer_batch_size_sum{job=~"$job"}[5m])) '
                '/ sum by (consumer) (rate(terrain_consumer_batch_size_count{job=~"$job"}[5m]))',
                "{{consumer}} events",
            ),
            (
                'sum by (consumer) (rate(terrain_consumer_batch_seconds_sum{job=~"$job"}[5m])) '
                '/ sum by (consumer) (rate(terrain_consumer_batch_seconds_count{job=~"$job"}[5m]))',
                "{{consumer}} s",
            ),
        ],
    ),
    ("Ready", "short", [('terrain_ready{job=~"$job"}', "{{instance}}")]),
]

JETSTREAM: list[Panel] = [
    (
        "Pending (not yet delivered)",
        "short",
        [("sum by (consumer) (terrain_consumer_pending_messages)", "{{consumer}}")],
    ),
    (
        "Awaiting acknowledgement",
        "short",
        [("sum by (consumer) (terrain_consumer_ack_pending_messages)", "{{consumer}}")],
    ),
    (
        "Redelivered, not yet acknowledged",
        "short",
        [("sum by (consumer) (terrain_consumer_redelivered_messages)", "{{consumer}}")],
    ),
    (
        "Events consumed, by outcome",
        "reqps",
        [
            (
                "sum by (consumer, outcome) (rate(terrain_events_consumed_total[5m]))",
                "{{consumer}} {{outcome}}",
            )
        ],
    ),
    (
        "Dead letters, by cause",
        "short",
        [("sum by (consumer, cause) (increase(terrain_dead_letters_total[1h]))", "{{consumer}} {{cause}}")],
    ),
    (
        "Streams with a leader (1) or without (0)",
        "short",
        [("min by (stream) (terrain_stream_leader_present)", "{{stream}}")],
    ),
    (
        "Outbox published, by path",
        "reqps",
        [("sum by (job, path) (rate(terrain_outbox_published_total[5m]))", "{{job}} {{path}}")],
    ),
]

NOTIFICATIONS: list[Panel] = [
    (
        "Notifications, by channel and outcome",
        "reqps",
        [
            (
                "sum by (channel, outcome) (rate(terrain_notifier_notifications_total[5m]))",
                "{{channel}} {{outcome}}",
            )
        ],
    ),
    (
        "Planned, by timing (now, quiet hours, digest)",
        "short",
        [
            (
                "sum by (channel, timing) (increase(terrain_notifier_planned_total[15m]))",
                "{{channel}} {{timing}}",
            )
        ],
    ),
    (
        "Insights received, by decision",
        "short",
        [("sum by (decision) (increase(terrain_notifier_insights_total[15m]))", "{{decision}}")],
    ),
    (
        "Send time p95, by channel",
        "s",
        [
            (
                "histogram_quantile(0.95, "
                "sum by (le, channel) (rate(terrain_notifier_send_seconds_bucket[5m])))",
                "{{channel}}",
            )
        ],
    ),
    (
        "Pending deliveries and open circuits",
        "short",
        [
            ("sum(terrain_notifier_pending_deliveries)", "pending"),
            ("sum(terrain_notifier_open_circuits)", "open circuits"),
        ],
    ),
    (
        "Escalations, by level",
        "short",
        [("sum by (level) (increase(terrain_notifier_escalations_total[1h]))", "{{level}}")],
    ),
    (
        "Loop-closure rate, by team",
        "percentunit",
        [("max by (team) (terrain_notifier_loop_closure_rate)", "{{team}}")],
    ),
    (
        "Loops settled, by outcome",
        "short",
        [("sum by (outcome) (increase(terrain_notifier_loops_total[1h]))", "{{outcome}}")],
    ),
]


def _kpi(title: str, unit: str, kpi: str) -> Panel:
    """One Product Ops KPI per team and quarter (every replica computes the same value: max)."""
    expr = f'max by (team, quarter) (terrain_initiatives_kpi{{kpi="{kpi}"}})'
    return (title, unit, [(expr, "{{team}} {{quarter}}")])


# The initiatives service's KPIs (defined in services/initiatives/README.md); team "all": the quarter.
PRODUCT_OPS: list[Panel] = [
    _kpi("Feedback reaching each team (classified under its areas)", "short", "feedback_items"),
    _kpi("Share of feedback triaged (linked or dismissed by a person)", "percentunit", "triaged_share"),
    _kpi("Median time to triage (hours from classification)", "h", "triage_median_hours"),
    _kpi("Share of feedback linked to an initiative", "percentunit", "linked_share"),
    _kpi("Loop-closure rate (reporters told of what shipped)", "percentunit", "loop_closure_rate"),
    _kpi("Committed initiatives backed by evidence", "percentunit", "evidence_backed_share"),
    _kpi("Briefing adoption (complete briefings by the deadline)", "percentunit", "briefing_adoption"),
    _kpi("Dependency answer time (median hours)", "h", "dependency_answer_median_hours"),
    _kpi("Vote participation (directors who voted)", "percentunit", "vote_participation"),
]
