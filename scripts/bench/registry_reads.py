"""What the bench's Python-client scripts share: every version of a model, as a plain MlflowClient loop reads it."""


def all_versions(client, name: str) -> list:
    """Every version of the registered model `name`: search_model_versions, 1,000 a page, across pages."""
    versions, token = [], None
    while True:
        page = client.search_model_versions(f"name='{name}'", max_results=1000, page_token=token)
        versions.extend(page)
        token = page.token
        if not token:
            return versions
