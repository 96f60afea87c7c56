"""Run by test_requirements_venv.py inside a venv built from requirements.txt alone: build the app, log in, render
every page and its first refresh, the public page and its data, /healthz and /metrics. Exit 0 or say what broke.

Only the app's own modules and the standard library: nothing from tests/, nothing from requirements-dev.txt.
"""

from __future__ import annotations

import re
import sys


def main() -> int:
    import dash

    from core.settings import Settings
    from dashboard.app import create_app
    from data_access.accounts import add_user

    settings = Settings.from_env()
    app = create_app(settings)
    add_user(app.server.config["MIMIKA_QUERY_CACHE"].engine, "smoke-admin", "admin", "smoke-password-1")
    client = app.server.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": "smoke-admin", "password": "smoke-password-1", "csrf": csrf})
    assert response.status_code == 302, response.status_code
    failures = []

    def check(label: str, response, ok=(200,)) -> None:
        if response.status_code not in ok:
            failures.append(f"{label}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")

    for path in ("/publik", "/publik/data.csv", "/publik/data.json", "/healthz", "/metrics", "/_dash-layout",
                 "/_dash-dependencies"):
        check(path, client.get(path))
    pages = []
    for page in dash.page_registry.values():
        path = page["path"]
        if page.get("path_template"):
            path = re.sub(r"<[^>]+>", "PUPR" if "opd" in page["path_template"] else "1", page["path_template"])
        pages.append(path)
        # The not-found page is a page like the others, but its own address answers 404 (unknown addresses do).
        check(f"GET {path}", client.get(path), ok=(404,) if path == "/404" else (200,))
    routing = next(k for k in app.callback_map if "_pages_content.children" in k)
    outputs = [{"id": c, "property": p} for c, p in (o.split(".", 1) for o in routing.strip(".").split("..."))]
    for path in pages:
        body = {"output": routing, "outputs": outputs, "changedPropIds": ["_pages_location.pathname"], "state": [],
                "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                           {"id": "_pages_location", "property": "search", "value": ""}]}
        response = client.post("/_dash-update-component", json=body)
        check(f"render {path}", response)
        if response.status_code == 200 and b'"type":"Div"' not in response.get_data().replace(b" ", b""):
            failures.append(f"render {path}: no layout in the answer")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    print(f"smoke: {len(pages)} pages rendered: {', '.join(pages)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
