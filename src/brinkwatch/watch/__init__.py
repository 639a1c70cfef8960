"""Watching the live feed: delivery of new alarms to webhooks, email and JSON Lines files.

Delivery (:mod:`brinkwatch.watch._deliver`): :func:`build_message` turns an alarm into an
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

__all__ = [
    "SEVERITIES",
    "AlarmMessage",
    "Channel",
    "EmailChannel",
    "Evidence",
    "JsonlChannel",
    "WebhookChannel",
    "build_message",
    "load_channels",
    "parse_channels",
    "retry_delay",
]
