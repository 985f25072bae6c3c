"""A local stand-in for the Slack Web API that records every call, for tests and benchmarks.

Point the app's ``WebClient(base_url=fake.base_url)`` at it. It answers the methods Pépites uses with
realistic ``{"ok": true, ...}`` payloads, serves response URLs and file upload URLs, and can be told to
fail (429 with ``Retry-After``, 5xx, a Slack error, a slow answer) a given number of times, now or after
a number of calls that succeed. Channels seeded with :meth:`FakeSlack.seed_channel` have a history
(``conversations.history``, ``conversations.replies``, ``conversations.info``, ``conversations.list``),
paginated with cursors ``page_size`` items at a time.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Parameters slack_sdk sends as JSON strings inside form bodies; decoded so tests can inspect them.
JSON_PARAMS = frozenset({"blocks", "view", "attachments", "files", "metadata", "user_auth_blocks"})
# Methods Slack answers without a token.
TOKENLESS_PREFIXES = ("oauth.", "openid.", "api.test")
# Methods that write a message and so need a channel and something to show.
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage"})
# Where the harness's default response URLs point (``SlackSender(response_root=...)``): recorded as method
# "default_response_url", apart from the named ones tests make with ``response_url(name)`` and wait for.
DEFAULT_RESPONSE_PATH = "/default-response/"
DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}


@dataclass(frozen=True)
class Call:
    """One request the fake received: the API method (or "response_url" / "file_upload"), its params, its token."""

    method: str
    params: dict[str, Any]
    token: str | None
    status: int = 200


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: int | None
    delay: float
    times: int
    after: int = 0  # calls that succeed before this fault applies


@dataclass
class SeededChannel:
    """A channel with a history: its messages (thread replies carry ``thread_ts``), whether the bot is in it."""

    id: str
    name: str
    messages: list[dict[str, Any]]
    member: bool = True
    private: bool = False


@dataclass
class _State:
    """Everything the fake remembers; guarded by ``FakeSlack._lock``."""

    calls: list[Call] = field(default_factory=list)
    faults: dict[str, deque[_Fault]] = field(default_factory=dict)
    dm_channels: dict[str, str] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """A threaded HTTP server on 127.0.0.1 playing the Slack Web API; records calls, injects faults."""

    def __init__(
        self,
        *,
        team_id: str = "T1",
        team_domain: str = "pepites-test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A0PEPITES",
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        # Filled by tests (and by chat.postMessage/update/delete): what reactions.get answers.
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        # Seconds every call of a method waits before its answer (a slow ``reactions.get``), by method.
        self.delays: dict[str, float] = {}
        # Overrides merged into users.info answers, by user id.
        self.users: dict[str, dict[str, Any]] = {}
        # usergroups.users.list answers, by user group id.
        self.usergroups: dict[str, list[str]] = {}
        # OAuth: the one-time codes Slack hands an installer's browser (see ``grant_install``), the bot
        # token of each installed workspace (auth.test answers for the token's workspace), and the app's
        # client id and secret oauth.v2.access expects (None: any).
        self.grants: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}
        self.client_credentials: tuple[str, str] | None = None
        # Enterprise Grid: the org of each granted token's workspace, and of the one token (auth.test says it).
        self.token_orgs: dict[str, str] = {}
        self.enterprise_id: str | None = None
        # Channels with a history (``seed_channel``), and how many items a page of history, replies or the
        # channel list holds at most (Slack's is up to 1,000; small here so that pagination happens).
        self.channels: dict[str, SeededChannel] = {}
        self.page_size = 100
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._state = _State()
        self._ts = count(1)
        self._ids = count(1)
        # Bound on first use (``port``, ``start``): a FakeSlack used only through ``answer`` (the mocked
        # WebClient of the middle tier) opens no socket.
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------------

    @property
    def _server(self) -> ThreadingHTTPServer:
        """The HTTP server, bound to a free port on first use."""
        if self._http is None:
            self._http = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
            self._http.daemon_threads = True
        return self._http

    @property
    def port(self) -> int:
        """The TCP port the OS chose."""
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What ``WebClient(base_url=...)`` takes: ``http://127.0.0.1:<port>/api/``."""
        return f"{self.root_url}/api/"

    def start(self) -> FakeSlack:
        """Serve in a daemon thread; returns self so ``fake = FakeSlack().start()`` reads well."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="fake-slack", daemon=True
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        if self._http is not None:
            self._http.server_close()
            self._http = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- what tests use -----------------------------------------------------------------------------

    def response_url(self, name: str) -> str:
        """A response URL served here; POSTs to it are recorded as method "response_url" with ``name``."""
        return f"{self.root_url}/response/{name}"

    def responses(self, name: str | None = None) -> list[dict[str, Any]]:
        """Bodies POSTed to response URLs served here, named and default (only ``name``'s if given), oldest first."""
        kinds = ("response_url", "default_response_url")
        return [c.params for c in self.calls() if c.method in kinds and (name is None or c.params.get("name") == name)]

    def grant_install(
        self,
        code: str,
        team_id: str,
        *,
        installer: str = "UINSTALLER",
        team_name: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> str:
        """Let ``code`` be exchanged once by oauth.v2.access for a new bot token of ``team_id``; the token. With
        ``enterprise_id``, a workspace of that Enterprise Grid org (oauth.v2.access and auth.test name the org)."""
        token = f"xoxb-{team_id.lower()}-{self._next_id('')}"
        with self._lock:
            self.grants[code] = {
                "team_id": team_id,
                "team_name": team_name or f"Team {team_id}",
                "user": installer,
                "enterprise": {"id": enterprise_id, "name": enterprise_name or f"Org {enterprise_id}"}
                if enterprise_id
                else None,
            }
            self.tokens[token] = team_id
            if enterprise_id:
                self.token_orgs[token] = enterprise_id
        return token

    def seed_channel(
        self,
        channel_id: str,
        name: str,
        messages: list[dict[str, Any]],
        *,
        member: bool = True,
        private: bool = False,
    ) -> None:
        """Give ``channel_id`` a history: ``messages`` (any order; a reply has ``thread_ts`` of its parent). The bot
        is in the channel unless ``member`` is False (then reading it answers ``not_in_channel``)."""
        with self._lock:
            self.channels[channel_id] = SeededChannel(channel_id, name, [dict(m) for m in messages], member, private)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float = 0,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (status/error/Retry-After) or answer after ``delay`` s;
        with ``after``, only once that many calls of it have been answered normally (a 429 in the middle)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        if error is None and status != 200:
            error = DEFAULT_ERRORS.get(status, "fatal_error")
        fault = _Fault(status=status, error=error, retry_after=retry_after, delay=delay, times=times, after=after)
        with self._lock:
            self._state.faults.setdefault(method, deque()).append(fault)

    def calls(self, method: str | None = None) -> list[Call]:
        """The calls recorded so far, oldest first, optionally only those of one method."""
        with self._lock:
            return [c for c in self._state.calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` were recorded; raise AssertionError listing the calls if not."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self._state.calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(c.method for c in self._state.calls) or "nothing"
                    raise AssertionError(
                        f"expected {count} call(s) of {method} within {timeout:.1f}s, got {len(found)}; "
                        f"recorded: {seen}"
                    )
                self._changed.wait(remaining)

    def reset(self) -> None:
        """Forget recorded calls and pending faults (stored messages, users and user groups stay)."""
        with self._lock:
            self._state.calls.clear()
            self._state.faults.clear()

    # -- used by the request handler ----------------------------------------------------------------

    def _record(self, call: Call) -> _Fault | None:
        """Record a call and pop the fault that applies to it, if any."""
        with self._changed:
            queue = self._state.faults.get(call.method)
            fault = queue[0] if queue else None
            if fault is not None and fault.after > 0:
                fault.after -= 1
                fault = None
            if fault is not None and queue is not None:
                fault.times -= 1
                if fault.times == 0:
                    queue.popleft()
            self._state.calls.append(
                Call(call.method, call.params, call.token, fault.status if fault and fault.error else 200)
            )
            self._changed.notify_all()
            return fault

    def _next_ts(self) -> str:
        micros = next(self._ts) * 100
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _permalink(self, channel: str, ts: str) -> str:
        return f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def _dm_channel(self, user_id: str) -> str:
        with self._lock:
            channel = self._state.dm_channels.get(user_id)
            if channel is None:
                channel = self._state.dm_channels[user_id] = "D" + user_id[1:].rjust(8, "0")
            return channel

    def answer(self, method: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        """The successful answer Slack would give to ``method`` called with ``params`` (and ``token``)."""
        if method == "auth.test":
            return _auth_test(self, token)
        if method == "oauth.v2.access":
            return _oauth_access(self, params)
        handler = _ANSWERS.get(method)
        if handler is None:
            return {"ok": True}
        return handler(self, params)


# -- answers, one function per method ---------------------------------------------------------------

_Answer = dict[str, Any]
_Answerer = Callable[[], _Answer]


def _message(fake: FakeSlack, params: dict[str, Any], channel: str, ts: str) -> _Answer:
    message: _Answer = {
        "type": "message",
        "subtype": "bot_message",
        "text": params.get("text", ""),
        "user": fake.bot_user_id,
        "bot_id": fake.bot_id,
        "app_id": fake.app_id,
        "team": fake.team_id,
        "ts": ts,
    }
    for key in ("blocks", "attachments", "thread_ts", "metadata"):
        if params.get(key) is not None:
            message[key] = params[key]
    return message


def _channel_of(fake: FakeSlack, params: dict[str, Any]) -> str:
    channel = str(params["channel"])
    # Posting to a user id lands in the DM with that user, as on Slack.
    return fake._dm_channel(channel) if channel.startswith(("U", "W")) else channel


def _post_message(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    channel, ts = _channel_of(fake, params), fake._next_ts()
    message = _message(fake, params, channel, ts)
    with fake._lock:
        fake.messages[(channel, ts)] = message
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _post_ephemeral(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    return {"ok": True, "message_ts": fake._next_ts()}


def _schedule_message(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    channel = _channel_of(fake, params)
    return {
        "ok": True,
        "channel": channel,
        "scheduled_message_id": fake._next_id("Q"),
        "post_at": int(params.get("post_at", 0)),
        "message": _message(fake, params, channel, fake._next_ts()),
    }


def _update(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
    message = _message(fake, params, channel, ts)
    with fake._lock:
        fake.messages[(channel, ts)] = {**fake.messages.get((channel, ts), {}), **message}
    return {"ok": True, "channel": channel, "ts": ts, "text": params.get("text", ""), "message": message}


def _delete(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
    with fake._lock:
        fake.messages.pop((channel, ts), None)
    return {"ok": True, "channel": channel, "ts": ts}


def _permalink(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    channel, ts = str(params.get("channel", "")), str(params.get("message_ts", ""))
    return {"ok": True, "channel": channel, "permalink": fake._permalink(channel, ts)}


def _view_answer(fake: FakeSlack, params: dict[str, Any], view_id: str, root_id: str | None) -> _Answer:
    submitted = params.get("view")
    view: _Answer = dict(submitted) if isinstance(submitted, dict) else {}
    view.setdefault("type", "modal")
    view.setdefault("blocks", [])
    view.setdefault("private_metadata", "")
    view.setdefault("callback_id", "")
    view.setdefault("external_id", params.get("external_id", ""))
    view.update(
        {
            "id": view_id,
            "team_id": fake.team_id,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{view_id.lower()}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root_id or view_id,
            "previous_view_id": None,
            "app_id": fake.app_id,
            "app_installed_team_id": fake.team_id,
            "bot_id": fake.bot_id,
        }
    )
    with fake._lock:
        fake._state.views[view_id] = view
    return {"ok": True, "view": view}


def _views_open(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    return _view_answer(fake, params, fake._next_id("V"), None)


def _views_push(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    return _view_answer(fake, params, fake._next_id("V"), None)


def _views_update(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    view_id = params.get("view_id")
    if not view_id and params.get("external_id"):
        with fake._lock:
            found = [v for v in fake._state.views.values() if v.get("external_id") == params["external_id"]]
        view_id = found[-1]["id"] if found else None
    if not view_id:
        return {"ok": False, "error": "not_found"}
    return _view_answer(fake, params, str(view_id), None)


def _views_publish(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    answer = _view_answer(fake, params, fake._next_id("V"), None)
    answer["view"]["type"] = "home"
    return answer


def _reactions_get(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    channel, ts = str(params.get("channel", "")), str(params.get("timestamp", ""))
    with fake._lock:
        message = fake.messages.get((channel, ts))
    if message is None:
        return {"ok": False, "error": "message_not_found"}
    message = {"permalink": fake._permalink(channel, ts), **message}
    return {"ok": True, "type": "message", "channel": channel, "message": message}


def _conversations_open(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    users = [u for u in str(params.get("users", "")).split(",") if u]
    if not users:
        return {"ok": False, "error": "users_list_not_supplied"}
    return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": fake._dm_channel(users[0])}}


def _users_info(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    user_id = str(params.get("user", ""))
    if not user_id:
        return {"ok": False, "error": "user_not_found"}
    name = f"user_{user_id.lower()}"
    user: _Answer = {
        "id": user_id,
        "team_id": fake.team_id,
        "name": name,
        "deleted": False,
        "real_name": name.replace("_", " ").title(),
        "tz": "Europe/Paris",
        "tz_label": "Central European Time",
        "tz_offset": 3600,
        "is_admin": False,
        "is_owner": False,
        "is_bot": user_id == fake.bot_user_id,
        "locale": "fr-FR",
        "profile": {"display_name": name, "real_name": name.replace("_", " ").title(), "team": fake.team_id},
    }
    user.update(fake.users.get(user_id, {}))
    return {"ok": True, "user": user}


def _auth_test(fake: FakeSlack, token: str | None) -> _Answer:
    with fake._lock:
        team_id = fake.tokens.get(token or "", fake.team_id)
        enterprise_id = fake.token_orgs.get(token or "") if token in fake.tokens else fake.enterprise_id
    answer: _Answer = {
        "ok": True,
        "url": f"https://{fake.team_domain}.slack.com/",
        "team": "Pépites Test",
        "user": "pepites",
        "team_id": team_id,
        "user_id": fake.bot_user_id,
        "bot_id": fake.bot_id,
        "is_enterprise_install": False,
    }
    if enterprise_id:
        answer["enterprise_id"] = enterprise_id
    return answer


def _oauth_access(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    """oauth.v2.access: a granted code, used once, with the app's credentials, gives that workspace's bot token."""
    expected = fake.client_credentials
    if expected is not None and (params.get("client_id"), params.get("client_secret")) != expected:
        return {
            "ok": False,
            "error": "invalid_client_id" if params.get("client_id") != expected[0] else "bad_client_secret",
        }
    with fake._lock:
        grant = fake.grants.pop(str(params.get("code", "")), None)
        token = next((t for t, team in fake.tokens.items() if grant and team == grant["team_id"]), None)
    if grant is None or token is None:
        return {"ok": False, "error": "invalid_code"}
    return {
        "ok": True,
        "app_id": fake.app_id,
        "authed_user": {"id": grant["user"]},
        "scope": "channels:join,chat:write,commands,files:write,reactions:read,usergroups:read,users:read",
        "token_type": "bot",
        "access_token": token,
        "bot_user_id": fake.bot_user_id,
        "team": {"id": grant["team_id"], "name": grant["team_name"]},
        "enterprise": grant["enterprise"],
        "is_enterprise_install": False,
    }


def _usergroup_users(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    group = str(params.get("usergroup", ""))
    if group not in fake.usergroups:
        return {"ok": False, "error": "no_such_subteam"}
    return {"ok": True, "users": list(fake.usergroups[group])}


def _upload_url(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    file_id = fake._next_id("F")
    with fake._lock:
        fake._state.uploads[file_id] = str(params.get("filename", "file"))
    return {"ok": True, "upload_url": f"{fake.root_url}/upload/{file_id}", "file_id": file_id}


def _complete_upload(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    files = params.get("files")
    if not isinstance(files, list) or not files:
        return {"ok": False, "error": "invalid_arguments"}
    with fake._lock:
        names = dict(fake._state.uploads)
    answered = []
    for item in files:
        file_id = str(item.get("id", ""))
        if file_id not in names:
            return {"ok": False, "error": "file_not_found"}
        answered.append(
            {
                "id": file_id,
                "name": names[file_id],
                "title": item.get("title") or names[file_id],
                "permalink": f"https://{fake.team_domain}.slack.com/files/{fake.bot_user_id}/{file_id}",
            }
        )
    return {"ok": True, "files": answered}


def _page(fake: FakeSlack, items: list[Any], params: dict[str, Any], key: str) -> _Answer:
    """One page of ``items`` from the cursor (an offset here; opaque to the client), ``page_size`` at most."""
    cursor = str(params.get("cursor") or "")
    start = int(cursor.removeprefix("next:")) if cursor.startswith("next:") else 0
    size = max(1, min(int(params.get("limit") or 100), fake.page_size))
    page, more = items[start : start + size], start + size < len(items)
    answer: _Answer = {"ok": True, key: page, "has_more": more}
    answer["response_metadata"] = {"next_cursor": f"next:{start + size}" if more else ""}
    return answer


def _readable(fake: FakeSlack, params: dict[str, Any]) -> SeededChannel | _Answer | None:
    """The seeded channel a read names; an error answer when the bot may not read it; None when not seeded."""
    with fake._lock:
        seeded = fake.channels.get(str(params.get("channel", "")))
    if seeded is None:
        return None
    if not seeded.member:
        return {"ok": False, "error": "channel_not_found" if seeded.private else "not_in_channel"}
    return seeded


def _in_window(ts: str, params: dict[str, Any]) -> bool:
    inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
    oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or 0)
    value = float(ts)
    after_oldest = value >= oldest if inclusive else value > oldest
    before_latest = latest == 0 or (value <= latest if inclusive else value < latest)
    return after_oldest and before_latest


def _history(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    """The channel's messages newest first, replies left in their threads (a parent says how many it has and its
    latest reply, as Slack does); an unseeded channel has none."""
    seeded = _readable(fake, params)
    if seeded is None:
        return {"ok": True, "messages": [], "has_more": False}
    if isinstance(seeded, dict):
        return seeded
    replies: dict[str, list[str]] = {}
    for m in seeded.messages:
        if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
            replies.setdefault(m["thread_ts"], []).append(m["ts"])
    shown = []
    for m in seeded.messages:
        is_reply = m.get("thread_ts") and m["thread_ts"] != m["ts"]
        if is_reply and m.get("subtype") != "thread_broadcast":
            continue
        if not _in_window(m["ts"], params):
            continue
        message = dict(m)
        if m["ts"] in replies:
            message.update(
                thread_ts=m["ts"],
                reply_count=len(replies[m["ts"]]),
                latest_reply=max(replies[m["ts"]], key=float),
            )
        shown.append(message)
    shown.sort(key=lambda m: float(m["ts"]), reverse=True)
    return _page(fake, shown, params, "messages")


def _replies(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    """A thread oldest first, its parent first; ``thread_not_found`` for a ts that is no message of the channel."""
    seeded = _readable(fake, params)
    if seeded is None:
        return {"ok": True, "messages": [], "has_more": False}
    if isinstance(seeded, dict):
        return seeded
    ts = str(params.get("ts", ""))
    thread = [m for m in seeded.messages if m["ts"] == ts or m.get("thread_ts") == ts]
    if not any(m["ts"] == ts for m in thread):
        return {"ok": False, "error": "thread_not_found"}
    kept = (dict(m) for m in thread if m["ts"] == ts or _in_window(m["ts"], params))
    thread = sorted(kept, key=lambda m: float(m["ts"]))
    return _page(fake, thread, params, "messages")


def _channel_object(seeded: SeededChannel) -> _Answer:
    return {
        "id": seeded.id,
        "name": seeded.name,
        "is_channel": not seeded.private,
        "is_group": seeded.private,
        "is_private": seeded.private,
        "is_member": seeded.member,
        "is_archived": False,
    }


def _conversations_info(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    with fake._lock:
        seeded = fake.channels.get(str(params.get("channel", "")))
    if seeded is None or (seeded.private and not seeded.member):
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "channel": _channel_object(seeded)}


def _conversations_list(fake: FakeSlack, params: dict[str, Any]) -> _Answer:
    """Public channels, and the private ones the bot is in (as a bot token sees them), in a stable order."""
    types = str(params.get("types") or "public_channel").split(",")
    with fake._lock:
        seeded = sorted(fake.channels.values(), key=lambda c: c.id)
    visible = [
        _channel_object(c)
        for c in seeded
        if ("private_channel" in types and c.private and c.member) or ("public_channel" in types and not c.private)
    ]
    return _page(fake, visible, params, "channels")


_ANSWERS = {
    "chat.postMessage": _post_message,
    "chat.postEphemeral": _post_ephemeral,
    "chat.scheduleMessage": _schedule_message,
    "chat.update": _update,
    "chat.delete": _delete,
    "chat.getPermalink": _permalink,
    "views.open": _views_open,
    "views.push": _views_push,
    "views.update": _views_update,
    "views.publish": _views_publish,
    "reactions.get": _reactions_get,
    "conversations.open": _conversations_open,
    "conversations.history": _history,
    "conversations.replies": _replies,
    "conversations.info": _conversations_info,
    "conversations.list": _conversations_list,
    "users.info": _users_info,
    "usergroups.users.list": _usergroup_users,
    "files.getUploadURLExternal": _upload_url,
    "files.completeUploadExternal": _complete_upload,
}


# -- HTTP plumbing ----------------------------------------------------------------------------------


def parse_params(body: bytes, content_type: str, query: str) -> dict[str, Any]:
    """Params of a Web API request: query string, then a form, JSON or multipart body; JSON strings decoded."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if body and kind == "application/json":
        decoded = json.loads(body)
        if isinstance(decoded, dict):
            params.update(decoded)
    elif body and kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                params[name] = payload if part.get_filename() else payload.decode("utf-8")
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in JSON_PARAMS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            params[key] = json.loads(value)
    return params


def _make_handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: tests read calls, not access logs."""

        def do_GET(self) -> None:
            """Serve GETs like POSTs (slack_sdk always POSTs, but some callers may not)."""
            self.do_POST()

        def do_POST(self) -> None:
            """Route /api/<method>, /response/<name>, /default-response/<name> and /upload/<file id>."""
            url = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            content_type = self.headers.get("Content-Type", "application/x-www-form-urlencoded")
            if url.path.startswith("/api/"):
                self._api(url.path[len("/api/") :], body, content_type, url.query)
            elif url.path.startswith(("/response/", DEFAULT_RESPONSE_PATH)):
                named = url.path.startswith("/response/")
                prefix = "/response/" if named else DEFAULT_RESPONSE_PATH
                params: dict[str, Any] = {"name": url.path[len(prefix) :]}
                if body:
                    params.update(json.loads(body))
                self._serve("response_url" if named else "default_response_url", params, None, lambda: {"ok": True})
            elif url.path.startswith("/upload/"):
                params = {"file_id": url.path[len("/upload/") :], "length": len(body), "data": body}
                self._serve("file_upload", params, None, None)
            else:
                self._send(404, {"ok": False, "error": "unknown_path"})

        def _api(self, method: str, body: bytes, content_type: str, query: str) -> None:
            try:
                params = parse_params(body, content_type, query)
            except (ValueError, UnicodeDecodeError):
                self._send(200, {"ok": False, "error": "invalid_form_data"})
                return
            token = params.pop("token", None)
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer "):
                token = auth[len("Bearer ") :]
            elif auth.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
                client_id, _, secret = base64.b64decode(auth[len("Basic ") :]).decode().partition(":")
                params.update(client_id=client_id, client_secret=secret)
            if not token and not auth and not method.startswith(TOKENLESS_PREFIXES):
                self._serve(method, params, None, lambda: {"ok": False, "error": "not_authed"})
                return
            self._serve(method, params, token, lambda: _checked_answer(fake, method, params, token))

        def _serve(self, method: str, params: dict[str, Any], token: str | None, answer: _Answerer | None) -> None:
            fault = fake._record(Call(method, params, token))
            if fake.delays.get(method):
                time.sleep(fake.delays[method])
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            if fault is not None and fault.error is not None:
                headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                self._send(fault.status, {"ok": False, "error": fault.error}, headers)
            elif answer is None:
                self._send_raw(200, f"OK - {params.get('length', 0)}".encode(), "text/plain; charset=utf-8", {})
            else:
                self._send(200, answer())

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            self._send_raw(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers or {})

        def _send_raw(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _checked_answer(fake: FakeSlack, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
    """The answer, after the argument checks Slack itself makes on message methods."""
    if method in MESSAGE_METHODS:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return {"ok": False, "error": "no_text"}
    return fake.answer(method, params, token)


@contextmanager
def running_fake_slack(**kwargs: Any) -> Iterator[FakeSlack]:
    """Context manager (and pytest fixture body) that serves a FakeSlack for the duration of a test."""
    with FakeSlack(**kwargs) as fake:
        yield fake
