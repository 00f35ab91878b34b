"""The audit job written on MLflow's Python client, for `npm run bench` to compare with the action's audit.

Usage: python audit_client.py <tracking-uri> <model> <record.yml>

Aliases lifecycle: reads the record (the production versions the repository says), the registered model (the
champion alias) and every version of the model (a paginated search, for versions tagged as promoted or rolled back
that the record does not list), and reports whether the registry matches. Prints the finding as JSON.
"""

import json
import sys
import warnings

warnings.filterwarnings("ignore")

import yaml  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from registry_reads import all_versions  # noqa: E402


def main() -> None:
    tracking_uri, name, record_path = sys.argv[1:4]
    with open(record_path) as handle:
        recorded = [str(entry["version"]) for entry in yaml.safe_load(handle)["production"]]
    client = MlflowClient(tracking_uri)
    registered = client.get_registered_model(name)
    production = [registered.aliases["champion"]] if "champion" in registered.aliases else []
    versions = all_versions(client, name)
    differences = []
    if production != recorded:
        differences.append(f"production is {production}, the record says {recorded}")
    for version in versions:
        promoted = "promotion.promoted_at" in version.tags and "promotion.archived_at" not in version.tags
        if promoted and version.version not in recorded:
            differences.append(f"v{version.version} is tagged as promoted but not in the record")
    print(json.dumps({"versions": len(versions), "drift": differences}))


if __name__ == "__main__":
    main()
