"""The evaluate job written on MLflow's Python client, for `npm run bench` to compare with the action.

Usage: python evaluate_client.py <tracking-uri> <model> <version | --poll> <policy.yml>

Does what `evaluate` does for one version under the bench policy (accuracy min, f1 against the champion, signature
compatible): reads the registered model (aliases, so the champion), the candidate and champion versions, both runs
and both MLmodel files; decides; moves the `challenger` alias when it passes; writes the four promotion tags
(decision last). Prints the decision as JSON. With --poll, as `evaluate` without a version: every version of the
model without a promotion.decision tag (a paginated search), oldest first, the champion read once for all.
"""

import datetime
import hashlib
import json
import os
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")

import mlflow  # noqa: E402
import yaml  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from registry_reads import all_versions  # noqa: E402


def blob_sha(content: bytes) -> str:
    """Git's blob id of the policy file, as the action records it."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def input_schema(mlmodel: dict) -> dict:
    inputs = json.loads((mlmodel.get("signature") or {}).get("inputs") or "[]")
    return {item.get("name"): item for item in inputs}


def compatible(candidate: dict, champion: dict) -> bool:
    """No champion input removed or retyped, no new required input."""
    for name, spec in champion.items():
        if name not in candidate or candidate[name].get("type") != spec.get("type"):
            return False
    return all(name in champion or not spec.get("required", True) for name, spec in candidate.items())


def main() -> None:
    tracking_uri, name, version, policy_path = sys.argv[1:5]
    with open(policy_path, "rb") as handle:
        content = handle.read()
    rules = yaml.safe_load(content)["models"][name]["staging"]["rules"]
    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient(tracking_uri)

    registered = client.get_registered_model(name)
    champion_version = registered.aliases.get("champion")
    champion = client.get_model_version(name, champion_version) if champion_version else None
    champion_run = client.get_run(champion.run_id) if champion else None

    with tempfile.TemporaryDirectory() as tmp:

        def mlmodel(v: str) -> dict:
            path = mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{name}/{v}/MLmodel", dst_path=os.path.join(tmp, v)
            )
            with open(path) as handle:
                return yaml.safe_load(handle)

        champion_schema = input_schema(mlmodel(champion.version)) if champion else None
        if version == "--poll":
            candidates = [v for v in all_versions(client, name) if "promotion.decision" not in v.tags]
            newer = [v for v in candidates if not champion or int(v.version) > int(champion.version)]
            candidates = sorted(newer, key=lambda v: int(v.version))
        else:
            candidates = [client.get_model_version(name, version)]
        results = []
        for candidate in candidates:
            candidate_run = client.get_run(candidate.run_id)
            candidate_schema = input_schema(mlmodel(candidate.version))
            decision, verdicts = decide(rules, candidate_run, champion_run, candidate_schema, champion_schema)
            write(client, name, candidate.version, decision, content)
            results.append({"decision": decision, "version": candidate.version, "rules": verdicts})
    print(json.dumps(results[0] if version != "--poll" else {"evaluated": len(results), "results": results}))


def decide(rules, candidate_run, champion_run, candidate_schema, champion_schema):
    metrics = candidate_run.data.metrics
    champion_metrics = champion_run.data.metrics if champion_run else {}
    verdicts = []
    for rule in rules:
        if "signature" in rule:
            verdicts.append(champion_schema is None or compatible(candidate_schema, champion_schema))
        elif rule.get("baseline") == "champion":
            value, base = metrics.get(rule["metric"]), champion_metrics.get(rule["metric"])
            verdicts.append(base is None or (value is not None and base - value <= rule.get("max_regression", 0)))
        else:
            value = metrics.get(rule["metric"])
            ok = value is not None
            ok = ok and ("min" not in rule or value >= rule["min"]) and ("max" not in rule or value <= rule["max"])
            verdicts.append(ok)
    return ("passed" if all(verdicts) else "failed"), verdicts


def write(client, name: str, version: str, decision: str, content: bytes) -> None:
    if decision == "passed":
        client.set_registered_model_alias(name, "challenger", version)
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_url = f"{server}/{os.environ.get('GITHUB_REPOSITORY', '')}/actions/runs/{os.environ.get('GITHUB_RUN_ID', '')}"
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    client.set_model_version_tag(name, version, "promotion.evaluated_at", now)
    client.set_model_version_tag(name, version, "promotion.policy_sha", blob_sha(content))
    client.set_model_version_tag(name, version, "promotion.workflow_run", run_url)
    client.set_model_version_tag(name, version, "promotion.decision", decision)


if __name__ == "__main__":
    main()
