"""The owner account, and the REST calls that drive config flows and read states."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CLIENT_ID_PATH = "/"


@dataclass
class Client:
    """A logged-in owner of one Home Assistant."""

    url: str
    token: str = ""

    def _request(self, method: str, path: str, body: Any = None, form: bool = False) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data = None
        if body is not None and form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def onboard(self, username: str, password: str) -> None:
        """Create the owner (the only onboarding step left) and log in."""
        client_id = self.url + CLIENT_ID_PATH
        result = self._request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": client_id,
                "name": "Owner",
                "username": username,
                "password": password,
                "language": "en",
            },
        )
        tokens = self._request(
            "POST",
            "/auth/token",
            {
                "grant_type": "authorization_code",
                "code": result["auth_code"],
                "client_id": client_id,
            },
            form=True,
        )
        self.token = tokens["access_token"]

    def flow(self, path: str, start: Mapping[str, Any], answers: Mapping[str, Any]) -> Any:
        """Run a flow to its end, answering each form from `answers` by field name."""
        result = self._request("POST", path, dict(start))
        for _ in range(20):
            if result["type"] == "menu":
                option = answers[f"menu:{result['step_id']}"]
                result = self._request(
                    "POST", f"{path}/{result['flow_id']}", {"next_step_id": option}
                )
                continue
            if result["type"] != "form":
                return result
            if result.get("errors"):
                raise RuntimeError(f"{result['step_id']}: {result['errors']}")
            fields = [field["name"] for field in result["data_schema"]]
            body = {name: answers[name] for name in fields if name in answers}
            result = self._request("POST", f"{path}/{result['flow_id']}", body)
        raise RuntimeError("flow did not finish in 20 steps")

    def states(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/api/states"))

    def state(self, entity_id: str) -> dict[str, Any]:
        return dict(self._request("GET", f"/api/states/{entity_id}"))

    def call(self, domain: str, service: str, data: Mapping[str, Any]) -> Any:
        return self._request("POST", f"/api/services/{domain}/{service}", dict(data))
