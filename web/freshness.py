"""A request that changed the store replies only once the search index shows the change.

Searches never wait for the index to be rebuilt: after a change they answer from the
previous snapshot while the next one is built (`search.engine.SearchEngine`). The one who
made the change must see it, though: after an edit, an unpublish or an upload, the next
page they open searches the new snapshot. So a POST, PUT, PATCH or DELETE during which
the store changed waits, before its reply starts, until the index has caught up."""

from __future__ import annotations

from anyio import to_thread

from web.deps import Services

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CatchUpAfterWrites:
    def __init__(self, app, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        engine = self.services.engine_if_open
        before = engine.changes if engine is not None else 0

        async def send_when_caught_up(message) -> None:
            if message["type"] == "http.response.start":
                await self._catch_up(before)
            await send(message)

        await self.app(scope, receive, send_when_caught_up)

    async def _catch_up(self, before: int) -> None:
        engine = self.services.engine_if_open
        if engine is not None and engine.changes != before:  # nothing to wait for when nothing was written
            await to_thread.run_sync(engine.catch_up)
