"""Delivery of alarms: the message, the channels (webhook, email, JSON Lines) and retry delays.

An alarm from :func:`~brinkwatch.measure.evaluate_alarms` becomes one :class:`AlarmMessage`
(:func:`build_message`): a stable id, one plain sentence, its evidence (distinct stories with
their URLs, ranked by sources) and a link to the dashboard's dyad page. Channels are read from
YAML (:func:`load_channels`); each has its own rule, dyad and severity filter
(:meth:`accepts`) and makes ONE attempt per :meth:`send`, raising
:class:`~brinkwatch.errors.DeliveryError` on failure. Retrying is the caller's business
(the watcher's outbox), paced by :func:`retry_delay`.

No secret lives in the channels file: webhook URLs and headers may name environment
variables (``${NAME}``), and SMTP credentials are read from the variables that
``username_env`` / ``password_env`` name.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import random
import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable
from urllib.parse import urlencode, urlsplit

import httpx
import yaml

from brinkwatch._yaml import checked_items, compose, line_of, read_text, shown, value_of
from brinkwatch.codebook import Dyad, lookup_event
from brinkwatch.errors import CodebookError, ConfigError, DeliveryError

if TYPE_CHECKING:
    from brinkwatch.measure import Alarm
    from brinkwatch.measure import Evidence as StoryEvidence

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
    "send_payload",
]

#: Severities from the least to the most severe (as the alarm rules spell them).
SEVERITIES = ("low", "medium", "high", "critical")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
#: Evidence lines one message carries at most (an alarm keeps 12).
_EVIDENCE_MAX = 12
_TITLE_CHARS = 200
#: Bytes of a failing receiver's answer quoted in an error.
_BODY_SHOWN = 200
#: Periods before the alarm's that the dashboard link shows, for context.
_LINK_PERIODS = 12
_PERIOD_DAYS = {"day": 1, "week": 7, "month": 31}


# --------------------------------------------------------------------------- the message


@dataclass(frozen=True)
class Evidence:
    """One story behind an alarm, as a message shows it.

    ``title`` is the story's text (or its CAMEO event), ``url`` the report's address when it
    has one, ``sources`` the outlets that carry it (1 where the origin does not count them)
    and ``date`` its ISO event date.
    """

    title: str
    url: str | None
    sources: int
    date: str


@dataclass(frozen=True)
class AlarmMessage:
    """An alarm as every channel delivers it.

    ``alarm_id`` is stable for a rule, dyad and period (the same alarm evaluated again has the
    same id), so receivers and the outbox can de-duplicate on it.
    """

    alarm_id: str
    rule: str
    dyad: str
    period: str
    severity: str
    summary: str
    evidence: tuple[Evidence, ...]
    dashboard_url: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the ``json`` webhook payload and the JSON Lines record)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlarmMessage:
        """Rebuild a message from :meth:`as_dict` (an outbox row, a JSON Lines record).

        Keys other than the fields (``type``, ``delivered_at``) are ignored.

        Raises
        ------
        ConfigError
            When a field is missing or of the wrong type.

        Examples
        --------
        >>> m = AlarmMessage("r-2019-07-01-x", "r", "JPN-KOR", "2019-07-01", "high", "S.",
        ...                  (Evidence("t", None, 1, "2019-07-01"),), None)
        >>> AlarmMessage.from_dict(m.as_dict()) == m
        True
        """
        try:
            evidence = tuple(
                Evidence(str(e["title"]), _url_of(e["url"]), int(e["sources"]), str(e["date"]))
                for e in data["evidence"]
            )
            fields = {k: data[k] for k in ("alarm_id", "rule", "dyad", "period", "severity")}
            if not all(isinstance(v, str) for v in fields.values()):
                raise TypeError("text fields must be texts")
            url = data["dashboard_url"]
            return cls(**fields, summary=str(data["summary"]), evidence=evidence,
                       dashboard_url=None if url is None else str(url))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"not an alarm message ({type(exc).__name__}: {str(exc)[:80]}); it must hold "
                "the fields of AlarmMessage.as_dict()",
                field="message",
            ) from None

    @property
    def subject(self) -> str:
        """A one-line subject: severity, rule, dyad and period."""
        return f"[brinkwatch {self.severity}] {self.rule}: {self.dyad}, period of {self.period}"


def alarm_id(rule: str, dyad: str, period: str) -> str:
    """Return the stable id of the alarm of ``rule`` for ``dyad`` in the period ``period``.

    The rule and period keep it readable; a hash of rule, dyad and period makes it unique. It
    holds only letters, digits, ``.``, ``_`` and ``-``, so it travels as an HTTP header, a
    file name or Slack text unchanged.

    Examples
    --------
    >>> alarm_id("reduce-relations", "JPN-KOR", "2019-08-19")
    'reduce-relations-2019-08-19-...'
    """
    digest = hashlib.sha256(f"{rule}\x1f{dyad}\x1f{period}".encode()).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", rule)[:60]
    return f"{slug}-{period}-{digest}"


def _url_of(reference: str | None) -> str | None:
    """Return ``reference`` when it is an http(s) address (a link to follow), else ``None``."""
    try:
        if reference and urlsplit(reference).scheme in ("http", "https"):
            return reference
    except ValueError:  # "http://[broken": text, not a link
        pass
    return None


def _title_of(ev: StoryEvidence) -> str:
    """Return the story's text or CAMEO event, with a citation that is no URL in brackets."""
    text = (ev.text or "").strip()
    if not text:
        try:
            name = lookup_event(ev.cameo_code).name
        except CodebookError:
            name = f"CAMEO {ev.cameo_code}"
        who = "->".join(x for x in (ev.source, ev.target) if x)
        text = f"{name} ({who})" if who else name
    if len(text) > _TITLE_CHARS:
        text = text[: _TITLE_CHARS - 3] + "..."
    cite = (ev.reference or "").strip()
    # A citation ("Reuters, 2019-07-01") tells the reader where to look when there is no URL;
    # a story id (the fallback reference) tells them nothing.
    if cite and _url_of(cite) is None and cite != ev.event_id and not ev.story.endswith(cite):
        text = f"{text} [{cite[:80]}]"
    return text


def _message_evidence(stories: Sequence[StoryEvidence]) -> tuple[Evidence, ...]:
    """Distinct stories (one per story key and URL), ranked by sources, then date."""
    out: list[Evidence] = []
    seen: set[str] = set()
    ranked = sorted(
        enumerate(stories), key=lambda p: (-(p[1].sources or 1), -(p[1].mentions or 0), p[0])
    )
    for _, ev in ranked:
        url = _url_of(ev.reference)
        keys = {k for k in (ev.story, url) if k}
        if keys & seen:
            continue
        seen |= keys
        out.append(Evidence(_title_of(ev), url, ev.sources or 1, ev.event_date.isoformat()))
    return tuple(out[:_EVIDENCE_MAX])


def dashboard_link(base: str, dyad: str, period: date, freq: str = "week") -> str:
    """Return the dashboard's dyad page for ``dyad`` around the period starting ``period``.

    The page shows the alarm's period and the :data:`_LINK_PERIODS` before it.

    Examples
    --------
    >>> dashboard_link("http://127.0.0.1:8000/", "JPN-KOR", date(2019, 8, 19))
    'http://127.0.0.1:8000/dyad?dyad=JPN-KOR&freq=week&from=2019-05-27&to=2019-08-25'
    """
    days = _PERIOD_DAYS.get(freq, 7)
    first = period - timedelta(days=days * _LINK_PERIODS)
    if freq == "month":
        last = (period.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    else:
        last = period + timedelta(days=days - 1)
    query = urlencode(
        {"dyad": dyad, "freq": freq, "from": first.isoformat(), "to": last.isoformat()}
    )
    return f"{base.rstrip('/')}/dyad?{query}"


def build_message(
    alarm: Alarm,
    evidence: Sequence[StoryEvidence] | None = None,
    dashboard_base: str | None = None,
    *,
    freq: str = "week",
) -> AlarmMessage:
    """Turn an alarm and its evidence into the message every channel delivers.

    Parameters
    ----------
    alarm
        An alarm from :func:`~brinkwatch.measure.evaluate_alarms`.
    evidence
        Its story lines; ``alarm.evidence`` when ``None``. Stories are kept once each (by
        story key and URL) and ranked by the sources that carry them.
    dashboard_base
        The dashboard's root URL (``http://host:8000``); no link when ``None``.
    freq
        The frequency the alarm was evaluated at (``day``, ``week``, ``month``), for the link.

    Returns
    -------
    AlarmMessage

    Examples
    --------
    >>> from datetime import date
    >>> from brinkwatch.measure import Alarm
    >>> a = Alarm("embargo", "Embargo", "high", "JPN-KOR", date(2019, 7, 1), "2 stories (3 rows)")
    >>> build_message(a).summary
    'Embargo (high) for JPN-KOR in the week of 2019-07-01: 2 stories (3 rows).'
    """
    period = alarm.period.isoformat()
    detail = alarm.detail.rstrip(". ")
    # One line even when a rule's title or the detail holds line breaks.
    detail = " ".join(detail.split())
    title = " ".join(alarm.title.split())
    summary = f"{title} ({alarm.severity}) for {alarm.dyad} in the {freq} of {period}"
    return AlarmMessage(
        alarm_id=alarm_id(alarm.rule, alarm.dyad, period),
        rule=alarm.rule,
        dyad=alarm.dyad,
        period=period,
        severity=alarm.severity,
        summary=f"{summary}: {detail}." if detail else f"{summary}.",
        evidence=_message_evidence(alarm.evidence if evidence is None else evidence),
        dashboard_url=(
            dashboard_link(dashboard_base, alarm.dyad, alarm.period, freq)
            if dashboard_base
            else None
        ),
    )


# --------------------------------------------------------------------------- channels


@runtime_checkable
class Channel(Protocol):
    """A place alarms are delivered to."""

    @property
    def name(self) -> str:
        """The channel's name in the channels file."""

    @property
    def min_severity(self) -> str:
        """The least severe alarm it takes."""

    def accepts(self, message: AlarmMessage) -> bool:
        """Whether this channel takes the message (severity, rule and dyad filters)."""

    def send(self, message: AlarmMessage) -> None:
        """Make one attempt to deliver; raise ``DeliveryError`` on failure."""


def _countries(dyad: str) -> frozenset[str] | None:
    try:
        return frozenset(Dyad.parse(dyad).countries)
    except ConfigError:
        return None


@dataclass(frozen=True)
class _Filtered:
    """The filters every channel shares (empty ``rules``/``dyads``: all)."""

    name: str
    min_severity: str = "low"
    rules: tuple[str, ...] = ()
    # Each as its two countries: "JPN-KOR" matches either direction and any actor types.
    dyads: tuple[frozenset[str], ...] = ()

    def __post_init__(self) -> None:
        if self.min_severity not in _RANK:
            raise ConfigError(
                f"min_severity must be one of {', '.join(SEVERITIES)}, "
                f"got {shown(self.min_severity)}",
                field="min_severity",
            )

    def accepts(self, message: AlarmMessage) -> bool:
        """Whether the message is at least ``min_severity`` and passes the rule and dyad lists.

        An alarm of an unknown severity is taken (better one message too many than a lost one).
        """
        rank = _RANK.get(message.severity, len(SEVERITIES))
        if rank < _RANK[self.min_severity]:
            return False
        if self.rules and message.rule not in self.rules:
            return False
        return not self.dyads or _countries(message.dyad) in self.dyads


WebhookFormat = Literal["json", "slack", "teams"]


@dataclass(frozen=True)
class WebhookChannel(_Filtered):
    """POST the message as JSON (plain, Slack- or Teams-shaped) with httpx."""

    url: str = field(default="", repr=False)
    format: WebhookFormat = "json"
    timeout: float = 10.0
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def send(self, message: AlarmMessage) -> None:
        """POST the message once; an answer below 300 is success.

        Raises
        ------
        DeliveryError
            On a status >= 300 (redirects are not followed), a timeout or a failed connection.
        """
        headers = {**self.headers, "Idempotency-Key": message.alarm_id}
        send_payload(
            self.url, payload(message, self.format), headers, self.timeout, channel=self.name
        )


def send_payload(
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    timeout: float,
    *,
    channel: str | None = None,
) -> None:
    """POST ``body`` as JSON to ``url`` once, raising ``DeliveryError`` unless it answers < 300."""
    try:
        where = urlsplit(url)
        host = f"{where.scheme}://{where.netloc}"  # the path may hold a token: never shown
    except ValueError:
        host = "(an invalid address)"
    try:
        # Streamed, so that a receiver answering with a huge body costs only what is shown.
        with (
            httpx.Client(timeout=timeout, follow_redirects=False) as client,
            client.stream("POST", url, json=body, headers=dict(headers)) as r,
        ):
            status, reason, head = r.status_code, r.reason_phrase, b""
            if status >= 300:
                for chunk in r.iter_bytes():
                    head += chunk
                    if len(head) >= _BODY_SHOWN:
                        break
    except httpx.TimeoutException:
        raise DeliveryError(
            f"the webhook at {host} did not answer within {timeout:g} s", channel=channel
        ) from None
    except httpx.ConnectError as exc:
        raise DeliveryError(
            f"cannot connect to the webhook at {host}: {exc}", channel=channel
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise DeliveryError(f"the webhook at {host} failed: {exc}", channel=channel) from None
    if status >= 300:
        text = " ".join(head[:_BODY_SHOWN].decode("utf-8", "replace").split())
        permanent = 400 <= status < 500 and status not in (408, 429)
        raise DeliveryError(
            f"the webhook at {host} answered HTTP {status} {reason}"
            + (f": {text}" if text else ""),
            channel=channel,
            permanent=permanent,
        )


def payload(message: AlarmMessage, fmt: str = "json") -> dict[str, Any]:
    """Return the webhook body of ``message`` in ``fmt`` (``json``, ``slack`` or ``teams``).

    Examples
    --------
    >>> m = AlarmMessage("r-2019-07-01-x", "r", "JPN-KOR", "2019-07-01", "high",
    ...                  "Embargo.", (), None)
    >>> sorted(payload(m, "slack"))
    ['blocks', 'text']
    >>> payload(m, "teams")["attachments"][0]["contentType"]
    'application/vnd.microsoft.card.adaptive'
    """
    if fmt == "slack":
        return _slack(message)
    if fmt == "teams":
        return _teams(message)
    return {"type": "brinkwatch.alarm", "version": 1, **message.as_dict()}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link_safe(url: str, chars: str) -> str:
    """Percent-encode the characters that would end a link in Slack or Markdown markup."""
    return "".join(f"%{ord(c):02X}" if c in chars else c for c in url)


def _slack(m: AlarmMessage) -> dict[str, Any]:
    lines = [
        f"• <{_link_safe(ev.url, '<>| ')}|{_slack_escape(ev.title)}>"
        if ev.url
        else f"• {_slack_escape(ev.title)}"
        for ev in m.evidence
    ]
    lines = [
        f"{line} ({ev.date}, {ev.sources} src)" for line, ev in zip(lines, m.evidence, strict=True)
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": m.subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(m.summary)}},
    ]
    if lines:
        text = "*Evidence*\n" + "\n".join(lines)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    context = [f"alarm id `{_slack_escape(m.alarm_id)}`"]
    if m.dashboard_url:
        context.append(f"<{_link_safe(m.dashboard_url, '<>| ')}|Open in the dashboard>")
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
    )
    return {"text": f"{m.subject}: {m.summary}", "blocks": blocks}


def _teams(m: AlarmMessage) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": m.subject,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "TextBlock", "text": m.summary, "wrap": True},
        {
            "type": "FactSet",
            "facts": [
                {"title": "Alarm id", "value": m.alarm_id},
                {"title": "Rule", "value": m.rule},
                {"title": "Dyad", "value": m.dyad},
                {"title": "Period", "value": m.period},
                {"title": "Severity", "value": m.severity},
            ],
        },
    ]
    for ev in m.evidence:
        # Markdown: brackets in the title and brackets or spaces in the URL would end the link.
        title = re.sub(r"([\\\[\]])", r"\\\1", ev.title)
        title = f"[{title}]({_link_safe(ev.url, '() <>')})" if ev.url else title
        body.append(
            {"type": "TextBlock", "text": f"- {title} ({ev.date}, {ev.sources} src)", "wrap": True}
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if m.dashboard_url:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open in the dashboard", "url": m.dashboard_url}
        ]
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return {"type": "message", "summary": m.subject, "attachments": [attachment]}


@dataclass(frozen=True)
class EmailChannel(_Filtered):
    """Send the message by SMTP (STARTTLS unless turned off), as plain text and HTML."""

    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    sender: str = ""
    to: tuple[str, ...] = ()
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    cafile: str | None = None

    def send(self, message: AlarmMessage) -> None:
        """Send the message once over one SMTP session.

        Raises
        ------
        DeliveryError
            When the server cannot be reached, does not offer STARTTLS, refuses the login or
            a recipient, or the TLS handshake fails.
        """
        mail = email_message(message, self.sender, self.to)
        where = f"the SMTP server {self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(mail)
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f"{where} does not offer STARTTLS; use a server that does, or set "
                "'starttls: false' for a relay on a trusted network",
                channel=self.name,
                permanent=True,
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{where} refused the login ({exc.smtp_code}); check the credentials in "
                "the environment variables the channel names",
                channel=self.name,
                permanent=True,
            ) from None
        except smtplib.SMTPResponseException as exc:
            err = exc.smtp_error
            reply = (err.decode("utf-8", "replace") if isinstance(err, bytes) else err)[
                :_BODY_SHOWN
            ]
            raise DeliveryError(
                f"{where} answered {exc.smtp_code} {reply}", channel=self.name
            ) from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryError(f"{where} failed: {exc}", channel=self.name) from None
        if refused:
            # The others have it: a retry would send them a second copy, so it is final.
            shown_ = ", ".join(f"{a} ({code})" for a, (code, _) in sorted(refused.items()))
            raise DeliveryError(
                f"{where} took the message for the other recipients but refused {shown_}; "
                "correct or remove those addresses in 'to'",
                channel=self.name,
                permanent=True,
            )


def email_message(m: AlarmMessage, sender: str, to: Sequence[str]) -> EmailMessage:
    """Return the email of ``m``: plain text with an HTML alternative listing the evidence."""
    mail = EmailMessage()
    # One line: a rule id or dyad with a line break must not end the header (or raise).
    mail["Subject"] = " ".join(m.subject.split())
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    # The same id on every attempt: a mail client shows a retried alarm once.
    domain = sender.rpartition("@")[2] or "brinkwatch.invalid"
    mail["Message-ID"] = f"<{m.alarm_id}@{domain}>"
    mail["X-Brinkwatch-Alarm-Id"] = m.alarm_id
    text = [m.summary, "", f"Alarm id: {m.alarm_id}", ""]
    text += ["Evidence:"] if m.evidence else []
    text += [
        f"- {ev.date} {ev.title} ({ev.sources} sources)" + (f"\n  {ev.url}" if ev.url else "")
        for ev in m.evidence
    ]
    if m.dashboard_url:
        text += ["", f"Dashboard: {m.dashboard_url}"]
    mail.set_content("\n".join(text) + "\n")
    e = html.escape
    items = "".join(
        f"<li>{e(ev.date)} "
        + (f'<a href="{e(ev.url)}">{e(ev.title)}</a>' if ev.url else e(ev.title))
        + f" ({ev.sources} sources)</li>"
        for ev in m.evidence
    )
    link = (
        f'<p><a href="{e(m.dashboard_url)}">Open in the dashboard</a></p>'
        if m.dashboard_url
        else ""
    )
    mail.add_alternative(
        f"<html><body><h3>{e(m.subject)}</h3><p>{e(m.summary)}</p>"
        f"<p>Alarm id: <code>{e(m.alarm_id)}</code></p>"
        + (f"<p>Evidence:</p><ul>{items}</ul>" if items else "")
        + f"{link}</body></html>",
        subtype="html",
    )
    return mail


@dataclass(frozen=True)
class JsonlChannel(_Filtered):
    """Append one JSON object per message to a file, flushed and synced to disk."""

    path: Path = Path("alarms.jsonl")

    def send(self, message: AlarmMessage) -> None:
        """Append the message as one line; earlier lines are never rewritten.

        A last line left without its newline (a writer killed mid-line) is closed first, so
        the new record stays a line of its own.

        Raises
        ------
        DeliveryError
            When the file cannot be opened, written or synced.
        """
        record = {**message.as_dict(), "delivered_at": datetime.now(UTC).isoformat()}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            with self.path.open("a+b") as fh:
                fh.seek(0, os.SEEK_END)
                if fh.tell() > 0:
                    fh.seek(-1, os.SEEK_END)
                    if fh.read(1) != b"\n":
                        line = "\n" + line
                fh.write(line.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
        except (OSError, ValueError) as exc:  # ValueError: a NUL in a path built by hand
            reason = getattr(exc, "strerror", None) or exc
            raise DeliveryError(
                f"cannot append to {self.path!r}: {reason}", channel=self.name
            ) from None


# --------------------------------------------------------------------------- retries


def retry_delay(
    attempt: int, base: float = 30, cap: float = 3600, seed: int | None = None
) -> float:
    """Return the seconds to wait before retry number ``attempt`` (1 for the first retry).

    Exponential backoff ``base * 2**(attempt - 1)``, capped at ``cap``, scaled by a jitter
    factor in [0.5, 1] so that many failed deliveries do not retry in step. The same
    ``seed`` and ``attempt`` give the same delay; ``None`` draws fresh jitter.

    Raises
    ------
    ConfigError
        If ``attempt`` < 1, ``base`` <= 0 or ``cap`` < ``base``.

    Examples
    --------
    >>> retry_delay(1, seed=7) == retry_delay(1, seed=7)
    True
    >>> all(15 <= retry_delay(1, seed=s) <= 30 for s in range(50))
    True
    >>> retry_delay(40, seed=1) <= 3600
    True
    """
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ConfigError(f"attempt must be a whole number >= 1, got {attempt!r}", field="attempt")
    if not base > 0 or not cap >= base:
        raise ConfigError(f"need 0 < base <= cap, got base={base!r}, cap={cap!r}", field="base")
    # min() before the power: 2**attempt of a huge attempt would overflow a float.
    delay = min(cap, base * 2.0 ** min(attempt - 1, 64))
    rng = random.Random() if seed is None else random.Random(seed * 1_000_003 + attempt)
    return delay * (0.5 + 0.5 * rng.random())


# --------------------------------------------------------------------------- the channels file

_ENV_REF = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMON_KEYS = frozenset({"name", "type", "rules", "dyads", "min_severity"})
_TYPE_KEYS = {
    "webhook": _COMMON_KEYS | {"url", "format", "timeout", "headers"},
    "email": _COMMON_KEYS
    | {"host", "port", "starttls", "from", "to", "username_env", "password_env", "timeout"}
    | {"cafile"},
    "jsonl": _COMMON_KEYS | {"path"},
}
_ALL_KEYS = frozenset().union(*_TYPE_KEYS.values())
_SECRET_KEYS = frozenset({"password", "passwd", "pass", "secret", "token", "username", "user"})
_MAX_CHANNELS = 100
_MAX_TIMEOUT = 300.0
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def load_channels(path: Path, *, env: Mapping[str, str] | None = None) -> list[Channel]:
    """Read and check the channels file (see ``docs/watch.md``, section "Channels").

    Parameters
    ----------
    path
        The YAML file; a ``jsonl`` channel's relative ``path`` is taken from its folder.
    env
        The environment that ``${NAME}`` references and ``*_env`` keys read from;
        ``os.environ`` when ``None``.

    Returns
    -------
    list of Channel
        In the order of the file.

    Raises
    ------
    ConfigError
        Naming the file, line and field of the first problem and how to fix it: an unknown
        key or type, a missing or invalid value, a password in the file, an unset environment
        variable, or YAML that is too large, too deep or an alias bomb.
    """
    p = Path(path)
    text = read_text(p, error=ConfigError)
    return parse_channels(text, source=str(p), base_dir=p.parent, env=env)


def parse_channels(
    text: str,
    *,
    source: str = "channels",
    base_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Channel]:
    r"""Parse channels from YAML text (as :func:`load_channels`, for text already read).

    Examples
    --------
    >>> [c.name for c in parse_channels("channels:\n- {name: log, type: jsonl, path: a.jsonl}")]
    ['log']
    """
    root = compose(text, source=source, error=ConfigError)
    hint = "a mapping with a 'channels' list (see docs/watch.md)"
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"the channels file must be {hint}", path=source, line=1)
    items = {
        k: v for k, _, v in checked_items(root, {"channels"}, source=source, error=ConfigError)
    }
    seq = items.get("channels")
    if not isinstance(seq, yaml.SequenceNode) or not seq.value:
        line = line_of(seq) if seq is not None else 1
        raise ConfigError(
            f"expected 'channels:' followed by a list of channels; the file must be {hint}",
            path=source,
            line=line,
            field="channels",
        )
    if len(seq.value) > _MAX_CHANNELS:
        raise ConfigError(
            f"{len(seq.value)} channels; at most {_MAX_CHANNELS} are allowed",
            path=source,
            line=line_of(seq),
            field="channels",
        )
    env = os.environ if env is None else env
    out: list[Channel] = []
    lines: dict[str, int] = {}
    for node in seq.value:
        ch = _channel(_Fields.of(node, source, env), base_dir or Path.cwd())
        if ch.name in lines:
            raise ConfigError(
                f"the channel name '{ch.name}' is used twice (first on line {lines[ch.name]}); "
                "give each channel its own name",
                path=source,
                line=line_of(node),
                field="name",
            )
        lines[ch.name] = line_of(node)
        out.append(ch)
    return out


@dataclass
class _Fields:
    """The values of one channel with their lines, and checks that name them on error."""

    raw: dict[str, Any]
    lines: dict[str, int]
    line: int
    source: str
    env: Mapping[str, str]

    @classmethod
    def of(cls, node: yaml.Node, source: str, env: Mapping[str, str]) -> _Fields:
        line = line_of(node)
        if not isinstance(node, yaml.MappingNode):
            raise ConfigError(
                "each channel must be a mapping with name, type and its settings",
                path=source,
                line=line,
            )
        for knode, _ in node.value:
            if str(knode.value).lower() in _SECRET_KEYS:
                raise ConfigError(
                    "credentials are never read from the channels file (it gets copied, "
                    "committed and shown); put them in environment variables and name those "
                    "with 'username_env' and 'password_env'",
                    path=source,
                    line=line_of(knode),
                    field=str(knode.value)[:60],
                )
        raw: dict[str, Any] = {}
        lines: dict[str, int] = {}
        what = "channel key"
        for key, knode, v in checked_items(
            node, _ALL_KEYS, source=source, error=ConfigError, what=what
        ):
            raw[key] = value_of(v, source=source, error=ConfigError, field=key)
            lines[key] = line_of(knode)
        return cls(raw, lines, line, source, env)

    def bad(self, key: str, msg: str) -> ConfigError:
        return ConfigError(msg, path=self.source, line=self.lines.get(key, self.line), field=key)

    def text(self, key: str, default: str | None = None, *, expand: bool = False) -> str:
        v = self.raw.get(key, default)
        if v is None:
            raise self.bad(key, f"a channel needs '{key}'")
        if not isinstance(v, str) or not v.strip():
            raise self.bad(key, f"{key} must be a non-empty text, got {shown(v)}")
        return self.expand(key, v.strip()) if expand else v.strip()

    def expand(self, key: str, v: str) -> str:
        """Replace each ``${NAME}`` by the environment variable NAME (an error if unset)."""

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if not _ENV_NAME.fullmatch(name):
                raise self.bad(key, f"'${{{name[:40]}}}' is not an environment variable name")
            value = self.env.get(name)
            if value is None:
                raise self.bad(
                    key, f"the environment variable {name} is not set; export it before starting"
                )
            return value

        return _ENV_REF.sub(one, v)

    def texts(self, key: str) -> tuple[str, ...]:
        v = self.raw.get(key)
        if v is None:
            return ()
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
            raise self.bad(key, f"{key} must be a list of texts such as [a, b], got {shown(v)}")
        return tuple(x.strip() for x in items)

    def number(self, key: str, default: float, high: float) -> float:
        v = self.raw.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= high:
            raise self.bad(
                key, f"{key} must be a number of seconds in (0, {high:g}], got {shown(v)}"
            )
        return float(v)

    def flag(self, key: str, default: bool) -> bool:
        v = self.raw.get(key, default)
        if not isinstance(v, bool):
            raise self.bad(key, f"{key} must be true or false, got {shown(v)}")
        return v

    def env_value(self, key: str) -> str | None:
        if key not in self.raw:
            return None
        name = self.text(key)
        if not _ENV_NAME.fullmatch(name):
            raise self.bad(
                key, f"{key} names an environment variable (such as SMTP_USER), got {shown(name)}"
            )
        value = self.env.get(name)
        if value is None:
            raise self.bad(
                key, f"the environment variable {name} is not set; export it before starting"
            )
        return value


def _channel(f: _Fields, base_dir: Path) -> Channel:
    name = f.text("name")
    if not _NAME.fullmatch(name):
        raise f.bad(
            "name",
            f"a channel name is up to 64 letters, digits, '_', '.' or '-'; got {shown(name)}",
        )
    kind = f.text("type")
    if kind not in _TYPE_KEYS:
        raise f.bad("type", f"type must be webhook, email or jsonl, got {shown(kind)}")
    for key in f.raw:
        if key not in _TYPE_KEYS[kind]:
            allowed = ", ".join(sorted(_TYPE_KEYS[kind]))
            raise f.bad(key, f"'{key}' is not a setting of a {kind} channel; allowed: {allowed}")
    sev = f.raw.get("min_severity", "low")
    if not isinstance(sev, str) or sev not in _RANK:
        raise f.bad(
            "min_severity", f"min_severity must be one of {', '.join(SEVERITIES)}, got {shown(sev)}"
        )
    dyads = []
    for d in f.texts("dyads"):
        c = _countries(d)
        if c is None:
            raise f.bad("dyads", f"{shown(d)} is not a dyad such as JPN-KOR")
        dyads.append(c)
    common: dict[str, Any] = {
        "name": name,
        "min_severity": sev,
        "rules": f.texts("rules"),
        "dyads": tuple(dyads),
    }
    if kind == "webhook":
        return _webhook(f, common)
    if kind == "email":
        return _email(f, common)
    text = f.text("path")
    if not text.isprintable():
        raise f.bad("path", f"path holds a control character: {shown(text)}")
    path = Path(text)
    return JsonlChannel(**common, path=path if path.is_absolute() else base_dir / path)


def _webhook(f: _Fields, common: dict[str, Any]) -> WebhookChannel:
    url = f.text("url", expand=True)
    try:
        parts = urlsplit(url)
        _ = parts.port  # checks the port
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        # Not the URL itself in the message: it may hold a token from the environment.
        raise f.bad("url", f"url is not a valid address ({str(exc)[:80]})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise f.bad("url", "url must be an http:// or https:// address")
    if any(c.isspace() for c in url):
        raise f.bad("url", "url must not hold spaces; percent-encode them (%20)")
    fmt = f.raw.get("format", "json")
    if fmt not in ("json", "slack", "teams"):
        raise f.bad("format", f"format must be json, slack or teams, got {shown(fmt)}")
    raw_headers = f.raw.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise f.bad(
            "headers", f"headers must be a mapping of names to texts, got {shown(raw_headers)}"
        )
    headers: dict[str, str] = {}
    for k, v in raw_headers.items():
        if not isinstance(k, str) or not re.fullmatch(r"[A-Za-z0-9-]{1,64}", k):
            raise f.bad("headers", f"{shown(k)} is not an HTTP header name")
        if not isinstance(v, str | int) or isinstance(v, bool):
            raise f.bad("headers", f"the header {k} must be a text, got {shown(v)}")
        value = f.expand("headers", str(v))
        if not value.isascii() or not value.isprintable():
            raise f.bad("headers", f"the header {k} must be one line of printable ASCII")
        headers[k] = value
    return WebhookChannel(
        **common,
        url=url,
        format=fmt,
        timeout=f.number("timeout", 10.0, _MAX_TIMEOUT),
        headers=headers,
    )


def _email(f: _Fields, common: dict[str, Any]) -> EmailChannel:
    port = f.raw.get("port", 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise f.bad("port", f"port must be a whole number from 1 to 65535, got {shown(port)}")
    sender = f.text("from")
    to = f.texts("to")
    if not to:
        raise f.bad("to", "an email channel needs 'to': one address or a list of them")
    for addr in (sender, *to):
        if not re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+", addr):
            key = "from" if addr == sender else "to"
            raise f.bad(key, f"{shown(addr)} is not an email address such as desk@example.org")
    starttls = f.flag("starttls", True)
    username, password = f.env_value("username_env"), f.env_value("password_env")
    if (username is None) != (password is None):
        raise f.bad("username_env", "give both username_env and password_env, or neither")
    if username is not None and not starttls:
        raise f.bad(
            "starttls",
            "a login without STARTTLS would send the password in clear text; "
            "set 'starttls: true' or drop username_env and password_env",
        )
    cafile = f.raw.get("cafile")
    if cafile is not None and not Path(f.text("cafile")).is_file():
        raise f.bad("cafile", f"{shown(cafile)} is not a file of CA certificates (PEM)")
    return EmailChannel(
        **common,
        host=f.text("host"),
        port=port,
        starttls=starttls,
        sender=sender,
        to=to,
        username=username,
        password=password,
        timeout=f.number("timeout", 30.0, _MAX_TIMEOUT),
        cafile=None if cafile is None else f.text("cafile"),
    )
