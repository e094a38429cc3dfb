"""The demo's Jira step against the service over HTTP, configured as the demo configures it: the issue the
service created on commit in the demo's fake Jira, narrated, and Jira's signed webhook starting the work."""

import asyncio

import pytest
import uvicorn
from terrain_dev.demo import org
from terrain_dev.demo.client import Services
from terrain_dev.demo.jira import started_in_jira
from terrain_dev.demo.quarter import Briefing
from terrain_dev.demo.receivers import Receivers, jira_environment
from terrain_dev.servers import free_port
from terrain_dev.testing import ADMIN_KEY, running, settings_for
from terrain_dev.waiting import eventually
from terrain_initiatives.main import create
from terrain_initiatives.settings import InitiativesSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def receivers():
    started = Receivers(free_port(), free_port(), jira_port=free_port())
    await started.start()
    yield started
    await started.stop()


@pytest.fixture
async def initiatives_url(nats_server, mongo_server, database_name, jetstream, receivers, monkeypatch):
    assert receivers.jira_port is not None
    for name, value in jira_environment(receivers.jira_port).items():
        monkeypatch.setenv(name, value)
    app = create(settings_for(InitiativesSettings, nats_server, mongo_server, database_name))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off")
    )
    async with running(app):
        task = asyncio.create_task(server.serve())

        async def started() -> bool:
            return server.started

        await eventually(started, what="the initiatives service on HTTP")
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        await task


async def test_the_demo_sees_the_issue_created_on_commit_and_starts_the_work_in_jira(
    initiatives_url, receivers
):
    services = Services({"initiatives": initiatives_url}, ADMIN_KEY)
    try:
        team = {"team_id": "squad-a", "name": "Squad A", "kind": "squad", "parent_team_id": None}
        await services.call("initiatives", "POST", "/v1/teams", ADMIN_KEY, json={**team, "kind": "tribe"})
        draft = {
            "title": "Exports without limits",
            "problem": "Exports time out.",
            "source": "customer_feedback",
            "size": "m",
            "intention": "Run exports in the background.",
            "owner_team_id": "squad-a",
            "quarter": "2027-Q1",
        }
        created = await services.call("initiatives", "POST", "/v1/initiatives", ADMIN_KEY, json=draft)
        briefing = Briefing(created["initiative"]["initiative_id"], 1, draft["title"], org.HUGO)
        await services.call("initiatives", "POST", "/v1/cycles", ADMIN_KEY, json={"quarter": "2027-Q1"})
        for phase in ("alignment", "validation"):
            await services.call(
                "initiatives", "POST", "/v1/cycles/2027-Q1/phase", ADMIN_KEY, json={"to": phase}
            )
        for step in ("proposed", "aligned", "committed"):
            moved = await services.call(
                "initiatives",
                "POST",
                f"/v1/initiatives/{briefing.initiative_id}/status",
                ADMIN_KEY,
                json={"to": step},
                headers={"If-Match": f'"{briefing.version}"'},
            )
            briefing.version = moved["initiative"]["version"]
        said: list[str] = []

        await started_in_jira(services, briefing, said.append)

        assert said[0].startswith(f"   [jira] TRN-1 created on commit for '{draft['title']}'")
        assert "in_progress (moved)" in said[1]
        assert [(m.channel, m.to, m.subject) for m in receivers.messages] == [
            ("jira", "TRN-1", draft["title"])
        ]
        assert briefing.version == 5  # draft 1, proposed, aligned, committed, in progress by Jira
    finally:
        await services.close()
