"""The archive job written on MLflow's Python client, for `npm run bench` to compare with the action.

Usage: python archive_client.py <tracking-uri> <model> <archive_staging_after_days>

Stages lifecycle: reads the registered model (aliases) and every version (search, paginated), then archives each
Staging version evaluated more than the given number of days ago and not protected (production, aliased, the
version production would roll back to): stage Archived, then the tags promotion.archived_reason and
promotion.archived_at. One request at a time, as a plain loop on MlflowClient does. Prints the count as JSON.
"""

import datetime
import json
import sys
import warnings

warnings.filterwarnings("ignore")

from mlflow import MlflowClient  # noqa: E402
from registry_reads import all_versions  # noqa: E402


def parse(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def main() -> None:
    tracking_uri, name, days = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = MlflowClient(tracking_uri)
    registered = client.get_registered_model(name)
    aliased = set(registered.aliases.values())

    versions = all_versions(client, name)

    production = [v for v in versions if v.current_stage == "Production"]
    rollback_targets = {
        p for v in production for p in (v.tags.get("promotion.previous_production") or "").split(",") if p
    }
    now = datetime.datetime.now(datetime.timezone.utc)
    cutoff = now - datetime.timedelta(days=days)
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    archived = 0
    for version in sorted(versions, key=lambda v: int(v.version)):
        if version.current_stage != "Staging" or "promotion.archived_at" in version.tags:
            continue
        evaluated = version.tags.get("promotion.evaluated_at")
        since = (
            parse(evaluated)
            if evaluated
            else datetime.datetime.fromtimestamp(version.creation_timestamp / 1000, datetime.timezone.utc)
        )
        if since > cutoff or version.version in aliased or version.version in rollback_targets:
            continue
        age = (now - since).days
        client.transition_model_version_stage(name, version.version, "Archived", archive_existing_versions=False)
        reason = f"in staging for {age} days without promotion (retention: {days} days)"
        client.set_model_version_tag(name, version.version, "promotion.archived_reason", reason)
        client.set_model_version_tag(name, version.version, "promotion.archived_at", stamp)
        archived += 1
    print(json.dumps({"archived": archived, "versions": len(versions)}))


if __name__ == "__main__":
    main()
