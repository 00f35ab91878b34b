"""Seeds a real MLflow server with the model versions the integration tests read, using MLflow's own client.

Usage: python seed.py <tracking-uri> <backend-store-uri> <manifest.json>
Runs on MLflow 2.x and 3.x; writes a JSON manifest naming what it made (models, versions, run ids).
"""

import json
import math
import os
import subprocess
import sys
import warnings

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")
MLFLOW3 = int(mlflow.__version__.split(".")[0]) >= 3
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
UNUSUAL_NAME = "fraud detector.v2 café-模型"


def iris():
    data = load_iris()
    frame = pd.DataFrame(data.data, columns=COLUMNS)
    return frame, data.target


def log_version(model_name, *, metrics, params=None, tags=None, history=None, signature="full",
                dataset_metrics=None, frame=None):
    """Trains a tiny model in a new run, logs it and registers it as a new version of model_name."""
    X, y = iris()
    if frame is not None:
        X = frame
    clf = LogisticRegression(max_iter=300).fit(X, y)
    with mlflow.start_run() as run:
        mlflow.log_params(params or {"max_iter": 300, "solver": "lbfgs"})
        for key, value in metrics.items():
            mlflow.log_metric(key, value)
        for key, values in (history or {}).items():
            for step, value in enumerate(values):
                mlflow.log_metric(key, value, step=step)
        mlflow.set_tags(tags or {})
        kwargs = {"registered_model_name": model_name, "pip_requirements": ["scikit-learn"]}
        if signature == "full":
            kwargs["signature"] = infer_signature(X, clf.predict(X))
        if MLFLOW3:
            kwargs["name"] = "model"
        else:
            kwargs["artifact_path"] = "model"
        info = mlflow.sklearn.log_model(clf, **kwargs)
        if MLFLOW3 and dataset_metrics:
            for dataset_name, values in dataset_metrics.items():
                dataset = mlflow.data.from_pandas(X.head(20), name=dataset_name)
                for key, value in values.items():
                    mlflow.log_metric(key, value, dataset=dataset, model_id=info.model_id)
    return {"version": str(info.registered_model_version), "run_id": run.info.run_id,
            "experiment_id": run.info.experiment_id}


def main():
    tracking_uri, backend_store_uri = sys.argv[1], sys.argv[2]
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("promotion-gate-seed")
    client = MlflowClient()
    manifest = {"mlflow_version": mlflow.__version__, "mlflow3": MLFLOW3, "models": {}}

    # iris-clf: a champion (alias + Production stage) and a challenger, both with signatures.
    v1 = log_version("iris-clf", metrics={"accuracy": 0.95, "f1": 0.94, "latency_p95_ms": 42.0},
                     history={"loss": [0.9, 0.6, 0.4, 0.3, 0.25]},
                     tags={"validation_status": "passed", "team": "fraud"},
                     dataset_metrics={"holdout": {"auc": 0.955}})
    v2 = log_version("iris-clf", metrics={"accuracy": 0.97, "f1": 0.96, "latency_p95_ms": 38.0, "nan_metric": math.nan},
                     history={"loss": [0.8, 0.5, 0.3, 0.2, 0.1]},
                     tags={"validation_status": "passed", "team": "fraud"},
                     dataset_metrics={"holdout": {"auc": 0.975}, "shadow": {"auc": 0.91}})
    client.set_registered_model_alias("iris-clf", "champion", v1["version"])
    client.transition_model_version_stage("iris-clf", v1["version"], "Production")
    client.set_model_version_tag("iris-clf", v2["version"], "candidate", "yes")
    manifest["models"]["iris"] = {"name": "iris-clf", "champion": v1, "challenger": v2}

    # A version logged without a signature.
    nosig = log_version("no-signature-model", metrics={"accuracy": 0.9}, signature=None)
    manifest["models"]["no_signature"] = {"name": "no-signature-model", "version": nosig}

    # Versions whose runs were deleted: soft-deleted (still readable), and purged by `mlflow gc`.
    soft = log_version("deleted-run-model", metrics={"accuracy": 0.9})
    client.delete_run(soft["run_id"])
    purged = log_version("purged-run-model", metrics={"accuracy": 0.9})
    client.delete_run(purged["run_id"])
    subprocess.run([sys.executable, "-m", "mlflow", "gc",
                    "--backend-store-uri", backend_store_uri, "--run-ids", purged["run_id"]],
                   check=True, capture_output=True, env={**os.environ, "MLFLOW_TRACKING_URI": tracking_uri})
    manifest["models"]["deleted_run"] = {"name": "deleted-run-model", "version": soft}
    manifest["models"]["purged_run"] = {"name": "purged-run-model", "version": purged}

    # Signatures that break callers of the first version: a removed column, then a retyped one.
    frame, _ = iris()
    full = log_version("signature-variants", metrics={"accuracy": 0.95})
    removed = log_version("signature-variants", metrics={"accuracy": 0.95},
                          frame=frame.drop(columns=["petal_width"]))
    retyped = log_version("signature-variants", metrics={"accuracy": 0.95},
                          frame=frame.astype({"sepal_length": "int64"}))
    manifest["models"]["signatures"] = {"name": "signature-variants", "full": full, "removed": removed,
                                        "retyped": retyped}

    # A version registered through the API with no run behind it.
    client.create_registered_model("no-run-model")
    norun = client.create_model_version("no-run-model", source="s3://example-bucket/models/no-run-model")
    manifest["models"]["no_run"] = {"name": "no-run-model", "version": {"version": str(norun.version)}}

    # A name with spaces, dots and non-ASCII characters.
    unusual = log_version(UNUSUAL_NAME, metrics={"accuracy": 0.93})
    client.set_registered_model_alias(UNUSUAL_NAME, "champion", unusual["version"])
    manifest["models"]["unusual"] = {"name": UNUSUAL_NAME, "version": unusual}

    # A prompt is a registered model too; listings must leave it out.
    prompt_name = None
    try:
        register = mlflow.genai.register_prompt if MLFLOW3 else mlflow.register_prompt
        register(name="support-prompt", template="Answer {{question}} politely.")
        prompt_name = "support-prompt"
    except Exception as error:  # older servers without prompt support
        print(f"prompt not seeded: {error}", file=sys.stderr)
    manifest["prompt"] = prompt_name

    with open(sys.argv[3], "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
