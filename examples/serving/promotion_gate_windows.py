"""Log a production version's online outcomes for the MLflow Promotion Gate's A/B experiments.

The serving layer calls this once per time window and version: it logs the window's increments (counts for a
proportion, n / sum / sum of squares for a mean) as metrics of one MLflow run per model version, with
`step` = the window's number, so that the gate adds windows up without any raw event. Copy this file into the
serving code; it needs only `mlflow` (2.x or 3.x).

    from promotion_gate_windows import WindowLogger, MeanWindow

    logger = WindowLogger(model="fraud-detector", version="4")
    revenue = MeanWindow()
    for request in this_window:                      # whatever the serving layer keeps per window
        revenue.add(request.revenue)
    logger.log_window(
        window=17,                                   # e.g. hours since the experiment started
        counts={"conversions": 31, "impressions": 980, "errors": 2, "requests": 980},
        means={"revenue": revenue},                  # logged as revenue_n, revenue_sum, revenue_sum_sq
    )

A window is logged once: the gate refuses a metric with a window logged twice or out of order, rather than count
it twice.
"""

from __future__ import annotations

import math
import time

from mlflow import MlflowClient
from mlflow.entities import Metric

MODEL_TAG = "promotion.experiment.model"
VERSION_TAG = "promotion.experiment.version"
DEFAULT_EXPERIMENT = "promotion-gate/{model}"


class MeanWindow:
    """The sufficient statistics of one window's values of a mean metric (revenue per request, latency)."""

    def __init__(self) -> None:
        self.n = 0
        self.sum = 0.0
        self.sum_sq = 0.0

    def add(self, value: float) -> None:
        if not math.isfinite(value):
            raise ValueError(f"a value must be a finite number, not {value!r}")
        self.n += 1
        self.sum += value
        self.sum_sq += value * value


class WindowLogger:
    """Finds (or creates) the run of one model version's online windows, and logs windows to it."""

    def __init__(self, model: str, version: str, experiment: str | None = None, client: MlflowClient | None = None):
        self.client = client or MlflowClient()
        self.model = model
        self.version = str(version)
        name = experiment or DEFAULT_EXPERIMENT.format(model=model)
        found = self.client.get_experiment_by_name(name)
        experiment_id = found.experiment_id if found else self.client.create_experiment(name)
        runs = self.client.search_runs(
            [experiment_id],
            filter_string=f"tags.`{MODEL_TAG}` = '{model}' and tags.`{VERSION_TAG}` = '{self.version}'",
            max_results=2,
        )
        if len(runs) > 1:
            raise RuntimeError(f"{model} v{self.version} has two runs of online windows in {name}; keep one")
        if runs:
            self.run_id = runs[0].info.run_id
        else:
            run = self.client.create_run(
                experiment_id,
                tags={MODEL_TAG: model, VERSION_TAG: self.version},
                run_name=f"{model} v{self.version} online",
            )
            self.run_id = run.info.run_id

    def log_window(self, window: int, counts: dict[str, int] | None = None, means: dict[str, MeanWindow] | None = None) -> None:
        if not isinstance(window, int) or window < 0:
            raise ValueError(f"a window is a whole number from 0, not {window!r}")
        values: dict[str, float] = {}
        for key, count in (counts or {}).items():
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ValueError(f"count {key} must be a whole number, never negative, not {count!r}")
            values[key] = count
        for key, mean in (means or {}).items():
            values[f"{key}_n"] = mean.n
            values[f"{key}_sum"] = mean.sum
            values[f"{key}_sum_sq"] = mean.sum_sq
        now = int(time.time() * 1000)
        metrics = [Metric(key, float(value), now, window) for key, value in values.items()]
        # One request per window, so a window is either logged whole or not at all.
        self.client.log_batch(self.run_id, metrics=metrics)
