"""``brinkwatch watch``: follow the GDELT 2.0 feed, ingest new files, deliver new alarms once.

A service layer beside the shells: it calls ingest/ (fetching and ingesting), store/ (all
its state), measure/ (the alarm rules) and the delivery channels (:mod:`._deliver`).
"""

from brinkwatch.watch._deliver import AlarmMessage, Channel, build_message, load_channels
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
    "AlarmMessage",
    "Channel",
    "PollReport",
    "Progress",
    "WatchConfig",
    "build_message",
    "check_feed_url",
    "check_interval",
    "load_channels",
    "parse_dyads",
    "poll",
    "run_forever",
    "run_once",
]
