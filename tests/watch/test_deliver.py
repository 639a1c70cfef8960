"""Delivery of alarms to a real webhook receiver, a real SMTP server and a JSON Lines file.

The alarms come from :func:`evaluate_alarms` over the synthetic store (the bundled chronology
and generated wire events whose stories carry URLs); the receivers run on 127.0.0.1
(``tests/watch/receivers.py``).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import brinkwatch.web._validation as v
from brinkwatch._yaml import MAX_BYTES
from brinkwatch.errors import ConfigError, DeliveryError
from brinkwatch.measure import Actor, Alarm, default_rules, evaluate_alarms
from brinkwatch.measure import Evidence as StoryEvidence
from brinkwatch.store import connect
from brinkwatch.watch import (
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
from tests.strategies import hostile_bytes, hostile_yaml
from tests.watch.receivers import (
    WebhookReceiver,
    free_port,
    self_signed,
    smtp_server,
    webhook_receiver,
)
from tests.yaml_bombs import alias_bomb, bounded, deep_nesting

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def alarms(synthetic_db: Path) -> list[Alarm]:
    """The event rules over the wire events of November 2020 and the chronology of July 2019.

    (Index and change-point rules would add seconds and nothing the messages depend on.)
    """
    rules = [r for r in default_rules() if r.kind == "events"]
    jk = (Actor("JPN"), Actor("KOR"))
    s = connect(synthetic_db, read_only=True)
    try:
        wire = evaluate_alarms(s.events, *jk, rules=rules, origins=["wire"],
                               start=date(2020, 11, 1), end=date(2020, 11, 30))  # fmt: skip
        chron = evaluate_alarms(s.events, *jk, rules=rules, origins=["chronology"],
                                start=date(2019, 7, 1), end=date(2019, 7, 7))  # fmt: skip
    finally:
        s.close()
    return wire + chron


@pytest.fixture(scope="module")
def message(alarms: list[Alarm]) -> AlarmMessage:
    """The message of the wire alarm with the most evidence."""
    wire = [a for a in alarms if a.period.year == 2020]
    best = max(wire, key=lambda a: (len(a.evidence), a.severity == "high"))
    return build_message(best, None, DASHBOARD)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as srv:
        yield srv


def _webhook(url: str, fmt: str = "json", **kw: object) -> WebhookChannel:
    return WebhookChannel(name="hook", url=url, format=fmt, timeout=5.0, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the message


def test_message_carries_the_alarm_its_distinct_stories_and_a_dashboard_link(
    alarms: list[Alarm], message: AlarmMessage
) -> None:
    alarm = next(a for a in alarms if build_message(a, None, None).alarm_id == message.alarm_id)
    assert (message.rule, message.dyad, message.severity) == (
        alarm.rule,
        alarm.dyad,
        alarm.severity,
    )
    assert message.period == alarm.period.isoformat()
    assert alarm.title in message.summary and message.summary.endswith(".")
    assert "\n" not in message.summary
    # One line per story, each with its report's URL, as many as the alarm shows.
    assert len(message.evidence) == len(alarm.evidence) >= 2
    urls = [e.url for e in message.evidence]
    assert all(u and u.startswith("https://news.example/2020/11/") for u in urls)
    assert len(set(urls)) == len(urls)
    assert {u for u in urls} == {e.reference for e in alarm.evidence}
    # The link opens the dyad page on a window that ends with the alarm's week.
    link = urlsplit(message.dashboard_url or "")
    assert f"{link.scheme}://{link.netloc}" == DASHBOARD and link.path == "/dyad"
    q = {k: vs[0] for k, vs in parse_qs(link.query).items()}
    parsed = v.dyad_query(q)
    assert str(parsed["pair"].countries) == str(tuple(alarm.dyad.replace(">", "").split("-")))
    assert parsed["start"] < alarm.period <= parsed["end"]
    assert (parsed["end"] - alarm.period).days == 6 and parsed["freq"] == "week"
    # The id is stable: the same alarm evaluated again has it; another period does not.
    again = build_message(replace(alarm), None, DASHBOARD)
    assert again == message
    other = build_message(replace(alarm, period=date(2020, 11, 30)), None, DASHBOARD)
    assert other.alarm_id != message.alarm_id
    assert build_message(alarm, None, None).dashboard_url is None


def test_message_evidence_is_distinct_and_ranked_by_sources() -> None:
    def ev(
        story: str, url: str | None, sources: int | None, text: str | None = None
    ) -> StoryEvidence:
        return StoryEvidence(
            event_id=story, origin="gdelt2", event_date=date(2019, 8, 22), source="KOR",
            target="JPN", cameo_code="161", goldstein=-8.0, text=text, reference=url,
            story=story, sources=sources,
        )  # fmt: skip

    a = Alarm("gsomia", "GSOMIA terminated", "critical", "KOR->JPN", date(2019, 8, 19), "3 stories")
    stories = [
        ev("s1", "https://a.example/1", 2),
        ev("s2", "https://b.example/2", 9, "Seoul ends the intelligence pact"),
        ev("s3", "https://a.example/1", 5),  # the same report as s1 under another story key
        ev("s4", None, None),
    ]
    m = build_message(a, stories, f"{DASHBOARD}/", freq="month")
    assert [e.sources for e in m.evidence] == [9, 5, 1]
    assert [e.url for e in m.evidence] == ["https://b.example/2", "https://a.example/1", None]
    assert m.evidence[0].title == "Seoul ends the intelligence pact"
    # Without text, the CAMEO event names the story.
    assert m.evidence[1].title == "Reduce or break diplomatic relations (KOR->JPN)"
    assert m.dashboard_url is not None and "//dyad" not in m.dashboard_url
    q = {k: vs[0] for k, vs in parse_qs(urlsplit(m.dashboard_url).query).items()}
    assert (q["dyad"], q["freq"], q["to"]) == ("KOR->JPN", "month", "2019-08-31")
    v.dyad_query(q)
    # A broken address is text, not a link; a title over two lines still gives one sentence.
    odd = replace(a, title="GSOMIA\nterminated", detail="1 story (1 row)\n")
    m = build_message(odd, [ev("s9", "http://[broken", 1)], None)
    assert m.evidence[0].url is None and m.evidence[0].title.endswith("[http://[broken]")
    assert (
        m.summary == "GSOMIA terminated (critical) for KOR->JPN in the week of 2019-08-19: "
        "1 story (1 row)."
    )


def test_chronology_evidence_without_urls_names_its_citation(alarms: list[Alarm]) -> None:
    sanctions = next(a for a in alarms if a.period == date(2019, 7, 1) and a.rule == "sanctions")
    m = build_message(sanctions, None, None)
    assert all(e.url is None for e in m.evidence)
    assert any(e.title.endswith("[Reuters, 2019-07-01]") for e in m.evidence)


# --------------------------------------------------------------------------- webhooks


def test_webhook_posts_the_alarm_with_an_idempotency_key(
    receiver: WebhookReceiver, message: AlarmMessage
) -> None:
    ch = _webhook(f"{receiver.url}/hooks/desk", headers={"X-Desk": "alliances"})
    ch.send(message)
    (req,) = receiver.requests
    assert req.path == "/hooks/desk" and req.status == 200
    assert req.headers["Idempotency-Key"] == message.alarm_id
    assert req.headers["X-Desk"] == "alliances"
    assert req.headers["Content-Type"] == "application/json"
    body = req.body
    assert body["alarm_id"] == message.alarm_id and body["type"] == "brinkwatch.alarm"
    assert body["dashboard_url"] == message.dashboard_url
    assert [e["url"] for e in body["evidence"]] == [e.url for e in message.evidence]


def test_a_webhook_that_fails_twice_then_succeeds_gets_the_alarm_once(
    receiver: WebhookReceiver, message: AlarmMessage
) -> None:
    receiver.fail = 2
    ch = _webhook(receiver.url)
    errors: list[DeliveryError] = []
    # The caller's (the outbox's) three attempts; it stops at the first success.
    for attempt in range(1, 4):
        try:
            ch.send(message)
            break
        except DeliveryError as exc:
            errors.append(exc)
            assert retry_delay(attempt, seed=1) > 0
    assert [r.status for r in receiver.requests] == [503, 503, 200]
    assert len(receiver.delivered) == 1
    assert receiver.delivered[0].body["alarm_id"] == message.alarm_id
    # Every attempt carried the same key, so a receiver could have de-duplicated.
    assert {r.headers["Idempotency-Key"] for r in receiver.requests} == {message.alarm_id}
    assert len(errors) == 2
    assert all("HTTP 503" in str(e) and "channel 'hook'" in str(e) for e in errors)
    assert not any(e.permanent for e in errors)


def test_slack_payload_shape(receiver: WebhookReceiver, message: AlarmMessage) -> None:
    _webhook(receiver.url, "slack").send(message)
    body = receiver.requests[0].body
    assert set(body) == {"text", "blocks"} and message.summary in body["text"]
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds == ["header", "section", "section", "context"]
    assert body["blocks"][0]["text"]["type"] == "plain_text"
    evidence = body["blocks"][2]["text"]
    assert evidence["type"] == "mrkdwn"
    for e in message.evidence:
        assert f"<{e.url}|" in evidence["text"]
    context = body["blocks"][3]["elements"][0]["text"]
    assert message.alarm_id in context and f"<{message.dashboard_url}|" in context


def test_teams_payload_is_an_adaptive_card_envelope(
    receiver: WebhookReceiver, message: AlarmMessage
) -> None:
    _webhook(receiver.url, "teams").send(message)
    body = receiver.requests[0].body
    assert body["type"] == "message"
    (att,) = body["attachments"]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = att["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    facts = {
        f["title"]: f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]
    }
    assert facts["Alarm id"] == message.alarm_id and facts["Dyad"] == message.dyad
    text = " ".join(b.get("text", "") for b in card["body"])
    assert all(f"]({e.url})" in text for e in message.evidence)
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open in the dashboard", "url": message.dashboard_url}
    ]


def test_markup_in_titles_and_urls_cannot_break_the_links(receiver: WebhookReceiver) -> None:
    ev = Evidence("Seoul <b>ends</b> [GSOMIA] & more", "https://x.example/a|b(c) d>e", 3,
                  "2019-08-22")  # fmt: skip
    page = "http://127.0.0.1:8000/dyad?dyad=KOR-JPN&freq=week"
    m = AlarmMessage("gsomia-2019-08-19-0", "gsomia", "KOR-JPN", "2019-08-19", "critical",
                     "GSOMIA ends.", (ev,), page)  # fmt: skip
    _webhook(receiver.url, "slack").send(m)
    _webhook(receiver.url, "teams").send(m)
    slack, teams = (r.body for r in receiver.requests)
    line = slack["blocks"][2]["text"]["text"]
    link = "<https://x.example/a%7Cb(c)%20d%3Ee|Seoul &lt;b&gt;ends&lt;/b&gt; [GSOMIA] &amp; more>"
    assert link in line
    text = " ".join(b.get("text", "") for b in teams["attachments"][0]["content"]["body"])
    assert r"[Seoul <b>ends</b> \[GSOMIA\] & more](https://x.example/a|b%28c%29%20d%3Ee)" in text


def test_webhook_failures_are_delivery_errors_with_a_reason(
    receiver: WebhookReceiver, message: AlarmMessage
) -> None:
    secret = f"{receiver.url}/services/T0/B0/s3cr3t-token"
    receiver.fail, receiver.fail_status = 1, 404
    with pytest.raises(DeliveryError, match="answered HTTP 404 Not Found") as exc:
        _webhook(secret).send(message)
    assert exc.value.permanent and "s3cr3t" not in str(exc.value)
    receiver.fail, receiver.fail_status = 1, 302  # a redirect is not a delivery
    with pytest.raises(DeliveryError, match="HTTP 302"):
        _webhook(receiver.url).send(message)
    # A receiver answering with a huge page costs only the 200 bytes shown.
    receiver.fail, receiver.fail_status = 1, 500
    receiver.fail_body = b"<html>\n" + b"x" * 20_000_000
    with pytest.raises(DeliveryError, match="HTTP 500") as exc:
        _webhook(receiver.url).send(message)
    assert len(str(exc.value)) < 400 and "\n" not in str(exc.value)
    receiver.delay = 1.0
    with pytest.raises(DeliveryError, match=r"did not answer within 0\.2 s"):
        WebhookChannel(name="slow", url=receiver.url, timeout=0.2).send(message)
    receiver.delay = 0.0
    with pytest.raises(DeliveryError, match="invalid address"):
        _webhook("https://[bad/x").send(message)
    with pytest.raises(DeliveryError, match="cannot connect") as exc:
        _webhook(f"http://127.0.0.1:{free_port()}/x").send(message)
    assert exc.value.channel == "hook" and not exc.value.permanent


# --------------------------------------------------------------------------- email


CHANNELS_EMAIL = """\
channels:
  - name: duty-officer
    type: email
    host: 127.0.0.1
    port: {port}
    from: brinkwatch@desk.example
    to: [duty@desk.example, analyst@desk.example]
    username_env: BW_SMTP_USER
    password_env: BW_SMTP_PASSWORD
    cafile: {cafile}
    timeout: 10
"""


def test_email_over_starttls_with_credentials_from_the_environment(
    tmp_path: Path, message: AlarmMessage
) -> None:
    pytest.importorskip("cryptography")
    cert = self_signed(tmp_path)
    env = {"BW_SMTP_USER": "watcher", "BW_SMTP_PASSWORD": "pw-from-env"}
    with smtp_server(cert=cert, require_starttls=True, password="pw-from-env") as (port, box):
        cfg = tmp_path / "channels.yaml"
        cfg.write_text(CHANNELS_EMAIL.format(port=port, cafile=cert[0]), encoding="utf-8")
        (ch,) = load_channels(cfg, env=env)
        assert isinstance(ch, EmailChannel) and ch.starttls
        assert "pw-from-env" not in repr(ch)
        ch.send(message)
    assert box.logins == [("watcher", "pw-from-env")] and box.tls == [True]
    (mail,) = box.messages
    assert message.rule in mail["Subject"] and message.dyad in mail["Subject"]
    assert mail["To"] == "duty@desk.example, analyst@desk.example"
    assert mail["X-Brinkwatch-Alarm-Id"] == message.alarm_id
    assert mail["Message-ID"] == f"<{message.alarm_id}@desk.example>"
    text = mail.get_body("plain").get_content()  # type: ignore[union-attr]
    page = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert message.summary in text and message.alarm_id in text
    assert f"Dashboard: {message.dashboard_url}" in text
    for e in message.evidence:
        assert e.url in text and f'<a href="{e.url}">' in page
    assert f'<a href="{(message.dashboard_url or "").replace("&", "&amp;")}">' in page


def test_email_failures_are_delivery_errors(tmp_path: Path, message: AlarmMessage) -> None:
    pytest.importorskip("cryptography")
    cert = self_signed(tmp_path)
    with smtp_server(cert=cert, require_starttls=True, password="right") as (port, box):
        ok = {"name": "mail", "host": "127.0.0.1", "port": port, "sender": "a@b.example",
              "to": ("c@d.example",), "cafile": str(cert[0]), "timeout": 5.0}  # fmt: skip
        with pytest.raises(DeliveryError, match="refused the login") as exc:
            EmailChannel(**ok, username="u", password="wrong").send(message)  # type: ignore[arg-type]
        assert exc.value.permanent
        with pytest.raises(DeliveryError, match="530"):
            EmailChannel(**{**ok, "starttls": False}).send(message)  # type: ignore[arg-type]
        # The default trust store does not know the test relay's certificate.
        with pytest.raises(DeliveryError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
            EmailChannel(**{**ok, "cafile": None}).send(message)  # type: ignore[arg-type]
    assert box.messages == []
    with smtp_server() as (port, box):
        plain = EmailChannel(name="m", host="127.0.0.1", port=port, sender="a@b.example",
                             to=("c@d.example",), timeout=5.0)  # fmt: skip
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            plain.send(message)
        # A relay on a trusted network, without TLS, on purpose.
        replace(plain, starttls=False).send(message)
        assert len(box.messages) == 1 and box.tls == [False]
    # One recipient refused: the others got it, so the error is final (no second copies).
    with smtp_server() as (port, box):
        box.refuse.add("gone@d.example")
        two = replace(plain, port=port, starttls=False, to=("c@d.example", "gone@d.example"))
        with pytest.raises(DeliveryError, match=r"refused gone@d\.example \(550\)") as exc:
            two.send(replace(message, rule="odd\nrule"))
        assert exc.value.permanent and len(box.messages) == 1
        assert box.messages[0]["Subject"].startswith(f"[brinkwatch {message.severity}] odd rule:")
    with pytest.raises(DeliveryError, match=r"SMTP server 127\.0\.0\.1:\d+ failed"):
        replace(plain, port=free_port(), starttls=False).send(message)


# --------------------------------------------------------------------------- JSON Lines


def test_jsonl_appends_one_synced_line_per_message_and_keeps_earlier_lines(
    tmp_path: Path, message: AlarmMessage, alarms: list[Alarm]
) -> None:
    path = tmp_path / "alarms.jsonl"
    ch = JsonlChannel(name="archive", path=path)
    ch.send(message)
    first = path.read_bytes()
    other = build_message(alarms[-1], None, None)
    ch.send(other)
    assert path.read_bytes().startswith(first)
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert [r["alarm_id"] for r in rows] == [message.alarm_id, other.alarm_id]
    assert [AlarmMessage.from_dict(r) for r in rows] == [message, other]
    with pytest.raises(ConfigError, match="not an alarm message"):
        AlarmMessage.from_dict({**rows[0], "evidence": [{"title": "t"}]})
    assert rows[0]["evidence"][0]["url"] == message.evidence[0].url and "delivered_at" in rows[0]
    # A line torn by a killed writer stays as it was; the next record starts a line of its own.
    with path.open("ab") as fh:
        fh.write(b'{"alarm_id": "torn')
    ch.send(message)
    lines = path.read_text("utf-8").splitlines()
    assert lines[2] == '{"alarm_id": "torn' and json.loads(lines[3])["alarm_id"] == message.alarm_id
    with pytest.raises(DeliveryError, match="cannot append to"):
        JsonlChannel(name="gone", path=tmp_path / "no" / "such" / "a.jsonl").send(message)
    with pytest.raises(DeliveryError, match="null"):
        JsonlChannel(name="nul", path=tmp_path / "a\0b.jsonl").send(message)


# --------------------------------------------------------------------------- filters


def test_channels_filter_by_severity_rule_and_dyad(message: AlarmMessage) -> None:
    m = replace(message, rule="sanctions", severity="high", dyad="JPN-KOR")
    chans = parse_channels(
        """\
channels:
  - {name: all, type: jsonl, path: a.jsonl}
  - {name: critical-only, type: jsonl, path: b.jsonl, min_severity: critical}
  - {name: high, type: jsonl, path: c.jsonl, min_severity: high}
  - {name: gsomia, type: jsonl, path: d.jsonl, rules: [gsomia-notice]}
  - {name: korea-japan, type: jsonl, path: e.jsonl, dyads: ["KOR->JPN"], rules: sanctions}
  - {name: us-china, type: jsonl, path: f.jsonl, dyads: [USA-CHN]}
""",
        source="filters.yaml",
        base_dir=Path("/srv/brinkwatch"),
    )
    assert all(isinstance(c, Channel) for c in chans)
    assert chans[0].path == Path("/srv/brinkwatch/a.jsonl")  # type: ignore[attr-defined]
    got = {c.name: c.accepts(m) for c in chans}
    assert got == {"all": True, "critical-only": False, "high": True, "gsomia": False,
                   "korea-japan": True, "us-china": False}  # fmt: skip
    assert not chans[2].accepts(replace(m, severity="medium"))
    with pytest.raises(ConfigError, match="min_severity must be one of"):
        JsonlChannel(name="x", min_severity="urgent")
    assert chans[1].accepts(replace(m, severity="critical"))
    # A directed alarm with actor types still belongs to the dyad of its two countries.
    assert chans[4].accepts(replace(m, dyad="JPN:GOV->KOR:GOV"))


# --------------------------------------------------------------------------- config errors


BASE = "channels:\n  - name: n\n"
HOOK = "    type: webhook\n    url: https://h.example/\n"
JSONL = "    type: jsonl\n    path: a.jsonl\n"
MAIL = "    type: email\n    host: h\n    from: a@b.example\n    to: x@y.example\n"

#: (channel body after its name, line, field, words of the message)
CONFIG_ERRORS = [
    ("    type: email\n    password: hunter2\n", 4, "password", "environment variables"),
    ("    type: webhook\n    url: https://h.example/${NOPE_UNSET}\n", 4, "url", "NOPE_UNSET is"),
    (HOOK + "    headers: {Authorization: 'Bearer ${X-1}'}\n", 5, "headers", "not an environment"),
    ("    type: pager\n", 3, "type", "webhook, email or jsonl"),
    (JSONL + "    url: http://x.example\n", 5, "url", "not a setting of a jsonl"),
    (HOOK + "    format: discord\n", 5, "format", "json, slack or teams"),
    ("    type: webhook\n    url: ftp://h.example/\n", 4, "url", "http:// or https://"),
    (HOOK + "    timeout: -1\n", 5, "timeout", "seconds"),
    (HOOK + "    headers: {X-Desk: \"caf\\u00e9\"}\n", 5, "headers", "printable ASCII"),
    ("    type: webhook\n    url: 'https://h.example:99999/'\n", 4, "url", "not a valid address"),
    ("    type: webhook\n    url: 'https://[bad/'\n", 4, "url", "not a valid address"),
    ("    type: webhook\n    url: 'https://h ex.example/'\n", 4, "url", "spaces"),
    (JSONL + "    min_severity: urgent\n", 5, "min_severity", "low, medium"),
    (JSONL + "    min_severity: [high]\n", 5, "min_severity", "low, medium"),
    ("    type: jsonl\n    path: \"a\\0b\"\n", 4, "path", "control character"),
    (JSONL + "    dyads: [JPN-XXX]\n", 5, "dyads", "not a dyad"),
    ("    type: jsonl\n", 2, "path", "needs 'path'"),
    ("    type: email\n    host: h\n    from: a@b.example\n", 2, "to", "needs 'to'"),
    ("    type: email\n    host: h\n    from: nobody\n    to: x@y.example\n", 5, "from", "address"),
    (MAIL + "    starttls: false\n    username_env: HOME\n    password_env: HOME\n", 7, "starttls",
     "clear text"),
    (MAIL + "    username_env: NOT_SET_HERE\n    password_env: HOME\n", 7, "username_env",
     "NOT_SET_HERE is not set"),
    (MAIL + "    cafile: /no/such/ca.pem\n", 7, "cafile", "CA certificates"),
    (JSONL + "  - {name: n, type: jsonl, path: b.jsonl}\n", 5, "name", "used twice"),
    (JSONL + "    colour: red\n", 5, "colour", "unknown channel key"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "line", "field", "words"), CONFIG_ERRORS)
def test_config_errors_name_line_and_field(body: str, line: int, field: str, words: str) -> None:
    env = {"HOME": "/root"}
    with pytest.raises(ConfigError) as exc:
        parse_channels(BASE + body, source="channels.yaml", env=env)
    err = exc.value
    assert (err.path, err.line, err.field) == ("channels.yaml", line, field), str(err)
    assert words in err.message
    assert str(err).startswith(f"channels.yaml:{line}, field '{field}': ")
    assert "hunter2" not in str(err)


def test_config_file_shapes_and_hostile_yaml(tmp_path: Path) -> None:
    for text, words in [
        ("- a\n- b\n", "must be a mapping"),
        ("channels: []\n", "list of channels"),
        ("other: 1\n", "unknown key 'other'"),
        ("channels:\n  - just a name\n", "each channel must be a mapping"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(words)):
            parse_channels(text, source="c.yaml")
    with bounded(seconds=1.0, megabytes=20), pytest.raises(ConfigError, match="alias"):
        parse_channels(alias_bomb("rules", before=BASE + "    type: jsonl\n", indent="    "))
    with pytest.raises(ConfigError, match="nesting"):
        parse_channels(deep_nesting("channels"))
    with pytest.raises(ConfigError, match=r"!!python/object/apply:os\.system"):
        parse_channels("channels:\n  - !!python/object/apply:os.system [echo]\n")
    with pytest.raises(ConfigError, match=r"U\+0000") as exc:
        parse_channels(BASE + "    type: jsonl\n    path: a\x00.jsonl\n", source="c.yaml")
    assert exc.value.line == 4
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"channels:\n" + b"#" * (MAX_BYTES + 10))
    with bounded(seconds=1.0, megabytes=20), pytest.raises(ConfigError, match="over 4,194,304"):
        load_channels(huge)
    with pytest.raises(ConfigError, match="cannot read"):
        load_channels(tmp_path / "missing.yaml")
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + (BASE + "    type: jsonl\n    path: out.jsonl\n").encode())
    (ch,) = load_channels(bom)
    assert ch.path == tmp_path / "out.jsonl"  # type: ignore[attr-defined]


def test_the_channels_example_in_the_docs_loads(tmp_path: Path) -> None:
    doc = (ROOT / "docs/watch.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Channels") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert example is not None
    env = {"DESK_SLACK_WEBHOOK": "https://hooks.slack.example/services/T/B/x",
           "DESK_HOOK_TOKEN": "t0ken", "SMTP_USER": "watcher", "SMTP_PASSWORD": "pw"}  # fmt: skip
    chans = parse_channels(example.group(1), source="docs/watch.md", base_dir=tmp_path, env=env)
    kinds = {type(c) for c in chans}
    assert kinds == {WebhookChannel, EmailChannel, JsonlChannel}
    hooks = [c for c in chans if isinstance(c, WebhookChannel)]
    assert any(h.url == env["DESK_SLACK_WEBHOOK"] for h in hooks)
    assert any(h.headers.get("Authorization") == "Bearer t0ken" for h in hooks)


# --------------------------------------------------------------------------- retry delays


def test_retry_delay_is_bounded_exponential_and_deterministic_for_a_seed() -> None:
    for seed in range(20):
        delays = [retry_delay(n, base=30, cap=3600, seed=seed) for n in range(1, 12)]
        for n, d in enumerate(delays, start=1):
            full = min(3600, 30 * 2 ** (n - 1))
            assert full / 2 <= d <= full
        assert delays == [retry_delay(n, base=30, cap=3600, seed=seed) for n in range(1, 12)]
    assert retry_delay(10_000, seed=3) <= 3600
    # Jitter spreads the retries of many deliveries.
    assert len({round(retry_delay(3, seed=s), 6) for s in range(50)}) > 40
    assert len({retry_delay(2) for _ in range(20)}) > 1
    for bad in [
        {"attempt": 0},
        {"attempt": 1, "base": 0},
        {"attempt": 1, "base": 60, "cap": 30},
    ]:
        with pytest.raises(ConfigError):
            retry_delay(**bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fuzzing


def _docs_example() -> str:
    doc = (ROOT / "docs/watch.md").read_text(encoding="utf-8")
    found = re.search(r"```yaml\n(.*?)```", doc[doc.index("## Channels") :], re.S)
    assert found is not None
    return found.group(1)


DOCS_ENV = {"DESK_SLACK_WEBHOOK": "https://hooks.slack.example/services/T/B/x",
            "DESK_HOOK_TOKEN": "t0ken", "SMTP_USER": "watcher", "SMTP_PASSWORD": "pw"}  # fmt: skip
FUZZ_KEYS = ["name", "type", "url", "format", "timeout", "headers", "min_severity", "dyads",
             "rules", "host", "port", "starttls", "from", "to", "username_env", "path"]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_channels_files_load_or_fail_with_a_config_error(data: st.DataObject) -> None:
    text = data.draw(hostile_yaml(_docs_example(), FUZZ_KEYS), label="yaml")
    raw = data.draw(
        st.one_of(st.just(text.encode("utf-8", "surrogatepass")),
                  hostile_bytes(_docs_example().encode(), max_edits=2)),
        label="bytes",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "channels.yaml"
        path.write_bytes(raw)
        try:
            chans = load_channels(path, env=DOCS_ENV)
        except ConfigError as exc:
            assert str(path) in str(exc) and len(str(exc)) < 2_000
            return
    for c in chans:
        assert isinstance(c, Channel) and isinstance(c.accepts(_FUZZ_MESSAGE), bool)


_FUZZ_MESSAGE = AlarmMessage("r-2019-07-01-0", "sanctions", "JPN-KOR", "2019-07-01", "high",
                             "Sanctions.", (), None)  # fmt: skip
