"""An independent fake of today's Zernio `GET /v1/logs`, written from the spec, for tests only.

Built from `shared/late-api/zernio-openapi-full-2026-08-22.yaml` (operation `listLogs`) and CONTRACT.md
§0, §3, §4 and §7, never from `late_logs.simulator`: it is the second opinion on what the project's own
simulator says today's API does. `world` makes the logs, `service` answers requests (an httpx transport),
`server` puts the same service on 127.0.0.1 for subprocess tests.
"""

from tests.spec_fake.service import SPEC_KEY, ZernioFake
from tests.spec_fake.world import FakeClock, ZernioWorld

__all__ = ["SPEC_KEY", "FakeClock", "ZernioFake", "ZernioWorld"]
