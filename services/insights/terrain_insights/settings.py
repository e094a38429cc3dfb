"""Insights service settings: environment variables prefixed INSIGHTS_ (nested with __)."""

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from terrain_kit.settings import HttpSettings, ServiceSettings


class InsightsHttp(HttpSettings):
    port: int = 8103


class ClassifierSettings(BaseModel):
    threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Similarity under which an item is unassigned, for every taxonomy. None (the default): "
        "the taxonomy's own threshold if it sets one, else the one calibrated on its examples.",
    )
    percentile: float = Field(
        default=8.0,
        gt=0.0,
        lt=50.0,
        description="Calibration: the share of the examples' leave-one-out similarities under the threshold.",
    )
    learned_refresh_seconds: float = Field(
        default=5.0,
        ge=0.0,
        description="How long a replica keeps its classifier before checking for corrections made elsewhere.",
    )


class DetectorSettings(BaseModel):
    # Spike: the theme's count over the last `spike_window_hours` hour buckets against its own hourly
    # baseline over the previous `spike_baseline_days` days (Poisson tail test).
    spike_window_hours: int = Field(default=2, ge=1, le=24)
    spike_baseline_days: int = Field(default=7, ge=1, le=60)
    spike_min_count: int = Field(default=5, ge=2, description="Never a spike below this many items.")
    spike_alpha: float = Field(default=0.001, gt=0, lt=0.5, description="Poisson tail probability to beat.")
    spike_min_ratio: float = Field(default=3.0, ge=1.0, description="Count over expected count, at least.")
    spike_floor_per_hour: float = Field(
        default=0.25, gt=0, description="Baseline used for themes with little or no history."
    )
    spike_update_growth: float = Field(
        default=0.25, ge=0, description="Relative growth of the count that warrants an update."
    )
    spike_baseline_refresh_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long a replica reuses a theme's baseline (past days) before reading it again.",
    )
    # Demand windows (top demand, unowned demand).
    demand_days: int = Field(default=30, ge=1, le=365)
    unowned_min_accounts: int = Field(default=3, ge=1)
    unowned_min_arr_minor: int = Field(
        default=10_000_000, ge=0, description="Or this much ARR (minor units, any currency) asking."
    )
    top_demand_size: int = Field(default=5, ge=1, le=20)
    # Churn risk: negative feedback from an account worth this much or renewing soon.
    churn_min_arr_minor: int = Field(default=5_000_000, ge=0)
    churn_renewal_days: int = Field(default=90, ge=0)
    # Initiative evidence.
    evidence_window_days: int = Field(default=7, ge=1)
    evidence_fast_count: int = Field(default=5, ge=1)
    evidence_lacking_after_days: int = Field(default=14, ge=0)


class PeriodicSettings(BaseModel):
    # Unowned demand looks at the themes touched since its last run; the other periodic detectors (faded
    # spikes, top demand, lacking evidence) run every detectors_interval_seconds. Both under one lease.
    unowned_interval_seconds: float = Field(default=30.0, gt=0)
    detectors_interval_seconds: float = 60.0
    clustering_interval_seconds: float = 900.0
    replay_poll_seconds: float = 1.0
    replay_chunk: int = Field(default=200, ge=1, le=2000)


class InsightsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INSIGHTS_")

    http: InsightsHttp = InsightsHttp()
    classifier: ClassifierSettings = ClassifierSettings()
    detectors: DetectorSettings = DetectorSettings()
    periodic: PeriodicSettings = PeriodicSettings()
