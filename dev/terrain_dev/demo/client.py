"""The demo acts as people: each persona calls the services with an API key of its own role."""

from dataclasses import dataclass, field
from typing import Any

import httpx


class Refused(Exception):
    """A service answered 4xx/5xx where the scenario expected success."""


@dataclass
class Services:
    urls: dict[str, str]  # service name -> base URL
    admin_key: str
    _http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))
    _keys: dict[tuple[str, str, str | None], str] = field(default_factory=dict)

    async def close(self) -> None:
        await self._http.aclose()

    async def key(self, service: str, role: str, member_id: str | None = None) -> str:
        """A key of this role (for this member) on this service, created once with the admin key."""
        wanted = (service, role, member_id)
        if wanted not in self._keys:
            answer = await self.call(
                service,
                "POST",
                "/v1/api-keys",
                self.admin_key,
                json={"name": f"demo {role} {member_id or ''}".strip(), "role": role, "member_id": member_id},
            )
            self._keys[wanted] = answer["key"]
        return self._keys[wanted]

    async def call(
        self, service: str, method: str, path: str, key: str, *, expect: tuple[int, ...] = (), **kwargs: Any
    ) -> Any:
        response = await self.raw(service, method, path, key, **kwargs)
        if response.status_code >= 400 and response.status_code not in expect:
            raise Refused(f"{method} {service}{path} -> {response.status_code}: {response.text[:300]}")
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def raw(
        self, service: str, method: str, path: str, key: str | None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers["X-API-Key"] = key
        return await self._http.request(method, self.urls[service] + path, headers=headers, **kwargs)

    async def as_member(
        self, service: str, method: str, path: str, role: str, member_id: str | None = None, **kwargs: Any
    ) -> Any:
        return await self.call(service, method, path, await self.key(service, role, member_id), **kwargs)
