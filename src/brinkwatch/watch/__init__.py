"""``brinkwatch watch``: follow the GDELT 2.0 feed, ingest new files, deliver new alarms once.

A service layer beside the shells: it calls ingest/ (fetching and ingesting), store/ (all
its state), measure/ (the alarm rules) and the delivery channels
(:mod:`brinkwatch.watch._deliver`): :func:`build_message` turns an alarm into an
:class:`AlarmMessage`, :func:`load_channels` reads the channels file, each :class:`Channel`
makes one attempt per ``send`` and :func:`retry_delay` paces the retries.
"""

from __future__ import annotations

from brinkwatch.watch._deliver import (
    SEVERITIES,
    AlarmMessage,
    Channel,
    EmailChannel,
    Evidence,
    JsonlChannel,
    WebhookChannel,
    build_message,
    load_channels,
    parse_channels,
    retry_delay,
)
from brinkwatch.watch._service import (
    DEFAULT_FEED,
    DEFAULT_INTERVAL,
    PollReport,
    Progress,
    WatchConfig,
    check_feed_url,
    check_interval,
    parse_dyads,
    poll,
    run_forever,
    run_once,
)

__all__ = [
    "DEFAULT_FEED",
    "DEFAULT_INTERVAL",
    "SEVERITIES",
    "AlarmMessage",
    "Channel",
    "EmailChannel",
    "Evidence",
    "JsonlChannel",
    "PollReport",
    "Progress",
    "WatchConfig",
    "WebhookChannel",
    "build_message",
    "check_feed_url",
    "check_interval",
    "load_channels",
    "parse_channels",
    "parse_dyads",
    "poll",
    "retry_delay",
    "run_forever",
    "run_once",
]
