"""The watcher with the real channels: a failing webhook, STARTTLS email and a JSON Lines file.

The feed is cut from the real GDELT export and served on 127.0.0.1; the webhook receiver and the
SMTP server (aiosmtpd) run on 127.0.0.1 too. Each alarm of the final data must reach every channel
exactly once, whatever the webhook's early failures.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from brinkwatch.ingest.fetch import HttpxTransport
from brinkwatch.measure import evaluate_alarms, parse_rules
from brinkwatch.store import connect, watch_status
from brinkwatch.watch import WatchConfig, build_message, load_channels, parse_dyads, run_once
from tests.ingest._http_server import LocalServer
from tests.watch._feed import Feed
from tests.watch.conftest import DYADS, RULES
from tests.watch.receivers import self_signed, smtp_server, webhook_receiver

CHANNELS = """\
channels:
  - name: desk-hook
    type: webhook
    url: {hook}/alarms
    format: json
    timeout: 5
  - name: duty-mail
    type: email
    host: 127.0.0.1
    port: {port}
    from: brinkwatch@desk.example
    to: [duty@desk.example]
    username_env: BW_SMTP_USER
    password_env: BW_SMTP_PASSWORD
    cafile: {cafile}
    timeout: 10
  - name: log
    type: jsonl
    path: alarms.jsonl
"""


def test_every_alarm_reaches_every_channel_once_though_the_webhook_fails_twice(
    served: tuple[Feed, LocalServer], setup: dict[str, Path], tmp_path: Path
) -> None:
    pytest.importorskip("cryptography")
    feed, _ = served
    cert = self_signed(tmp_path)
    env = {"BW_SMTP_USER": "watcher", "BW_SMTP_PASSWORD": "from-env"}
    now = [datetime(2019, 10, 24, 15, 0)]
    with (
        webhook_receiver() as hook,
        smtp_server(cert=cert, require_starttls=True, password="from-env") as (port, box),
    ):
        hook.fail = 2  # the first two POSTs get 503
        path = tmp_path / "channels.yaml"
        path.write_text(CHANNELS.format(hook=hook.url, port=port, cafile=cert[0]))
        cfg = WatchConfig(
            store=setup["db"],
            feed_url=feed.lastupdate_url,
            channels=tuple(load_channels(path, env=env)),
            dyads=parse_dyads(DYADS),
            rules=tuple(parse_rules(RULES)),
            clock=lambda: now[0],
        )
        with HttpxTransport() as t:
            for k in (2, 2, 5, 8, 8, 8):
                feed.advance(k)
                run_once(cfg, t)
                now[0] += timedelta(hours=2)  # past any backoff: retries are due next poll
        with connect(setup["db"], read_only=True) as s:
            final = {
                build_message(a, a.evidence, None).alarm_id
                for d in cfg.dyads
                for a in evaluate_alarms(s.events, d.source, d.target, rules=cfg.rules)
            }
            status = watch_status(s)
    assert len(final) >= 3
    hooked = [r.headers["Idempotency-Key"] for r in hook.delivered]
    mailed = [m["X-Brinkwatch-Alarm-Id"] for m in box.messages]
    logged = [json.loads(x)["alarm_id"] for x in setup["jsonl"].read_text().splitlines()]
    for got in (hooked, mailed, logged):
        assert sorted(got) == sorted(final)  # each alarm once, none missing
    # The two refused POSTs were tried again later, with the same key.
    refused = [r for r in hook.requests if r.status >= 300]
    assert len(refused) == 2 and {r.headers["Idempotency-Key"] for r in refused} <= set(final)
    assert box.tls and all(box.tls) and box.logins[0] == ("watcher", "from-env")
    # Each message carries its evidence: distinct stories with their URLs.
    body = box.messages[0].get_body("plain").get_content()  # type: ignore[union-attr]
    assert "http" in body and "/dyad?" in body
    assert status.deliveries_sent == 3 * len(final) and not status.deliveries_failed
