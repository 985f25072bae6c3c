"""Keep message text and people's ids out of the logs: a logging filter that rewrites records.

Our own code logs insights by id only; the danger is third-party output, mostly at DEBUG level:
slack_sdk dumps every Web API request and response ("Sending a request - url: …, body_params: …,
json_body: …" and "Received the following response - status: …, headers: …, body: …"), Bolt dumps
request bodies and ack bodies ("Responding with status: 200 body: "…" (3 millis)", "Invalid request
signature detected (… body: …)", "Skipped self event: …"), the Socket Mode client dumps every envelope,
and SQLAlchemy logs statement parameters and result rows (parameters at INFO, rows at DEBUG) - i.e.
insight texts.  :class:`PrivacyFilter` is attached to handlers (``install_privacy_filter()`` puts it on
every handler of the root logger), so it sees every record that reaches them, whatever its logger and
level.  It never drops a record: it formats it once (``record.getMessage()``), redacts the text and
stores it back as ``record.msg`` with ``record.args = ()``.

Redacted, in every record (message, exception text and stack):

* the body part of the known dumps above (slack_sdk Web API, webhook, SCIM and audit-log clients,
  Bolt, Socket Mode), replaced by ``[redacted]``; what an operator needs stays: the method URL (e.g.
  ``…/api/chat.postMessage``), status codes, response headers, timings, listener and middleware names;
* in SQLAlchemy engine records (``sqlalchemy.engine.*`` at any level): the parameters of every statement
  (``[generated in 0.0001s] [redacted]``), result rows (``Row [redacted]``; ``Col`` names are kept),
  and string literals in the SQL text; everywhere: ``[parameters: …]`` in DBAPI error messages and
  PostgreSQL ``DETAIL:`` lines (``Key (…)=(…)``, ``Failing row contains (…)``), which repeat values;
* the value of text-bearing or identifying keys in anything that looks like a dump - JSON, Python
  ``repr`` (nested values included) or form-encoded - see ``SENSITIVE_KEYS`` (``text``, ``blocks``,
  ``attachments``, ``value``, ``message``, ``view``, ``payload``, ``private_metadata``, ``user``,
  ``user_id``, ``reporter``, ``response_url``, ``token``, …);
* every Slack user id (``U…``/``W…``) and direct-message channel id (``D…``, which names the person at
  the other end), i.e. ``\\b[UWD][A-Z0-9]{8,}\\b``, replaced by ``[user-id]``.  Decision: user ids are
  redacted everywhere, for named reporters too - the filter cannot tell a named reporter from an
  anonymous one, and an anonymous reporter's id next to an insight id or a timestamp would undo the
  anonymity.  (Upper-case words of nine letters or more starting with U, W or D are redacted as well;
  that is the price of the simple rule.)
* Slack tokens (``xoxb-…``, ``xapp-…``, ``xwfp-…``: ``[token]``), e-mail addresses (``[email]``), the query
  values of every URL (``?ticket=[redacted]``) and the secret path of ``hooks.slack.com`` URLs (response_url, webhooks).

Not redacted: free text that appears outside a recognised shape - an exception message that quotes
text (``ValueError: Le client…``), a log line of ours that interpolates a text (we do not write any),
custom attributes passed with ``extra=`` - and records handled by a handler that does not carry the
filter *before* a handler that does (a handler on a child logger runs first: SQLAlchemy's ``echo=True``
adds one on ``sqlalchemy.engine.Engine``; do not use ``echo`` in production, or call
``install_privacy_filter(logging.getLogger("sqlalchemy.engine.Engine"))``).  Once a handler with the
filter has seen a record, the record itself is rewritten, so every later handler gets the redacted one.

Exceptions: ``exc_info`` is formatted with a plain ``logging.Formatter``, redacted, stored in
``record.exc_text`` and cleared (so handlers print the redacted text).  If anything goes wrong in the
filter, the record's message becomes ``[log line redacted: filter error]``: the filter never raises.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = [
    "FILTER_ERROR_MESSAGE",
    "REDACTED",
    "SENSITIVE_KEYS",
    "USER_ID_REDACTED",
    "PrivacyFilter",
    "install_privacy_filter",
    "redact",
]

REDACTED = "[redacted]"
USER_ID_REDACTED = "[user-id]"
FILTER_ERROR_MESSAGE = "[log line redacted: filter error]"

# Keys whose values are text people wrote, or say who someone is, in Slack payloads, API arguments
# and responses, and our own rows.  Matched case-insensitively as a whole key.
SENSITIVE_KEYS: frozenset[str] = frozenset(
    {
        "attachments",
        "authorization",
        "blocks",
        "comment",
        "content",
        "cookie",
        "display_name",
        "email",
        "fallback",
        "initial_comment",
        "message",
        "messages",
        "pretext",
        "private_metadata",
        "query",
        "real_name",
        "reporter",
        "reporter_id",
        "response_url",
        "set-cookie",
        "state",
        "text",
        "title",
        "token",
        "user",
        "user_id",
        "user_name",
        "username",
        "users",
        "value",
        "values",
        "view",
        "payload",
    }
)
# Keys whose structured value is a whole dump (``body: {...}``, ``payload: '...'``): redacted when the
# value looks structured (starts with a bracket or a quote), whatever follows.
_DUMP_LABELS = (
    "body",
    "body_params",
    "data",
    "event",
    "files",
    "json",
    "json_body",
    "message",
    "params",
    "payload",
    "query_params",
    "request",
)

_DOTALL = re.DOTALL


def _alternation(words: frozenset[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_KEYS = _alternation(SENSITIVE_KEYS)
# "text": …, 'text': …, \"text\": … (JSON inside a string)
_QUOTED_KEY = re.compile(r"""(?P<q>\\*["'])(?i:(?P<key>""" + _KEYS + r"""))(?P=q)\s*:\s*""")
# text=…& (form-encoded bodies and URL queries)
_FORM_PAIR = re.compile(r"(?<![\w%.-])(?i:(?P<key>" + _KEYS + r"))=(?P<val>[^&\s'\",;)}\]]+)")
# body: {…}, payload: '…' (labels of structured dumps in free text)
# ``[Errno 104] Connection reset by peer`` (an OSError's text) is not a dump: the errno says why a link failed.
_DUMP_LABEL = re.compile(
    r"(?<![\w-])(?:" + _alternation(_DUMP_LABELS) + r""")\s*:\s*(?=[\[{(]|b?["'])(?!\[Errno \d+\])"""
)
_PARAMETERS = re.compile(r"\[parameters: ")
_PG_DETAIL = re.compile(r"(DETAIL:[ \t]*)[^\n]+")
_URL = re.compile(r"""\b(?:https?|wss?)://[^\s'"<>\\]+""")
_HOOKS_PATH = re.compile(r"^(?P<head>(?:https?://)?hooks\.slack\.com/[^/?#]+)/[^?#]+")
_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp|xwfp)-[A-Za-z0-9-]+")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_USER_ID = re.compile(r"\b[UWD][A-Z0-9]{8,}\b")
_SQL_LITERAL = re.compile(r"'(?:[^']|'')*'")

# The dumps of slack_sdk, Bolt and the Socket Mode client.  Each keeps group "keep" (and "tail", if
# any) and replaces the rest with [redacted].  Anchored on the whole message.
_DUMPS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, _DOTALL)
    for p in (
        # slack_sdk WebClient/AsyncWebClient/WebhookClient/SCIM/AuditLogs: keep the URL only.
        r"^(?P<keep>Sending a request - (?:[A-Z]+ )?url: (?:[A-Z]+ )?[^\s,]+)(?P<cut>,.*)$",
        # slack_sdk responses: keep status and headers.
        r"^(?P<keep>Received the following response - status: [^,]*(?:, headers: .*?)?, body: )(?P<cut>.*)$",
        r'^(?P<keep>Responding with status: \d+ body: ")(?P<cut>.*)(?P<tail>" \(\d+ millis\))$',
        r"^(?P<keep>Responding with listener middleware's response - listener: .*?, status: \d+, body: )"
        r"(?P<cut>.*)(?P<tail> \(\d+ millis\))$",
        r"^(?P<keep>Invalid request signature detected \(signature: .*?, timestamp: .*?, body: )"
        r"(?P<cut>.*)(?P<tail>\))$",
        r"^(?P<keep>Skipped self event: )(?P<cut>.*)$",
        r"^(?P<keep>A global middleware \(.*?\) skipped calling .*? for the request \()(?P<cut>.*)(?P<tail>\))$",
        r"^(?P<keep>Unsuccessful Bolt execution result \(status: \d+, body: )(?P<cut>.*)(?P<tail>\))$",
        r"^(?P<keep>Incoming (?:request|event): )(?P<cut>.*)$",
        # Socket Mode
        r"^(?P<keep>on_message invoked: \(message: )(?P<cut>.*)(?P<tail>\))$",
        r"^(?P<keep>Sending a message \(session id: [^,]*, message: )(?P<cut>.*)(?P<tail>\))$",
        r"^(?P<keep>Failed to send a message \(session id: .*?, error: .*?, message: )(?P<cut>.*?)"
        r"(?P<tail>\) as the underlying connection.*)$",
        r"^(?P<keep>Received a new data frame \(session id: [^,]*, opcode: [^,]*, payload: )(?P<cut>.*)(?P<tail>\))$",
        r"^(?P<keep>Sending a (?:text|ping|pong) data frame \(session id: [^,]*, payload: )(?P<cut>.*)(?P<tail>\))$",
    )
)


# Values that say nothing, kept so that an operator sees an empty body as empty.
_NOTHING_TO_HIDE = frozenset({"", '""', "''", "{}", "[]", "()", "None", "null", "b''", 'b""'})


class _Placeholder:
    """An argument that formats as ``[redacted]`` whatever the conversion (``%s`` or ``%r``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return REDACTED

    __str__ = __repr__


_PLACEHOLDER = _Placeholder()


# ---------------------------------------------------------------------------------------------------
# Scanning one value of a dump (JSON or Python repr), so that nested structures go as a whole.


def _string_end(s: str, i: int) -> int:
    """The index just past the string literal whose opening quote is at ``i`` (or the end of ``s``)."""
    quote = s[i]
    n = len(s)
    j = i + 1
    while j < n:
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == quote:
            return j + 1
        j += 1
    return n


def _value_end(s: str, i: int) -> int:
    """The index just past the value starting at ``i``: a string, a bracketed structure or a scalar."""
    n = len(s)
    if i >= n:
        return n
    c = s[i]
    if c in "'\"":
        return _string_end(s, i)
    if c == "\\" and i + 1 < n and s[i + 1] in "'\"":
        # A string inside an escaped dump: \"…\" - up to the next escaped quote of the same kind.
        close = s.find(s[i : i + 2], i + 2)
        return n if close < 0 else close + 2
    if c == "b" and i + 1 < n and s[i + 1] in "'\"":
        return _string_end(s, i + 1)
    if c in "[{(":
        depth = 0
        j = i
        while j < n:
            c = s[j]
            if c in "'\"":
                j = _string_end(s, j)
                continue
            if c == "\\":
                j += 2
                continue
            if c in "[{(":
                depth += 1
            elif c in "]})":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        return n
    # A scalar (number, None, true, an object's repr): up to the next separator.
    j = i
    while j < n and s[j] not in ",}])\n":
        j += 1
    return j


def _redact_values_after(s: str, pattern: re.Pattern[str], quoted: bool) -> str:
    """Replace the value that follows each match of ``pattern`` (skipping what it replaced)."""
    m = pattern.search(s)
    if m is None:
        return s
    out: list[str] = []
    pos = 0
    while m is not None:
        start = m.end()
        end = _value_end(s, start)
        out.append(s[pos:start])
        value = s[start:end]
        if value in _NOTHING_TO_HIDE or value.strip("'\"\\") == REDACTED:
            out.append(value)
        elif quoted:
            q = m.group("q")
            out.append(q + REDACTED + q)
        else:
            out.append(REDACTED)
        pos = end
        m = pattern.search(s, pos)
    out.append(s[pos:])
    return "".join(out)


def _redact_parameters(s: str) -> str:
    """``[parameters: ('a', 1)]`` in SQLAlchemy error messages."""
    if "[parameters: " not in s:
        return s
    return _redact_values_after(s, _PARAMETERS, quoted=False)


# ---------------------------------------------------------------------------------------------------
# Whole-message rules and the public redaction function.


def _redact_dump(s: str) -> str:
    for pattern in _DUMPS:
        m = pattern.match(s)
        if m is None:
            continue
        cut = m.group("cut")
        if not cut or cut in ('""', "''", "{}", "None"):
            return s
        keep = m.group("keep")
        tail = m.group("tail") if "tail" in pattern.groupindex else None
        if keep.startswith("Sending a request"):
            return keep + ", " + REDACTED
        return keep + REDACTED + (tail or "")
    return s


def _clean_url(m: re.Match[str]) -> str:
    url = m.group(0)
    path, sep, query = url.partition("?")
    path = _HOOKS_PATH.sub(lambda h: h.group("head") + "/" + REDACTED, path)
    if not sep:
        return path
    fragment = ""
    if "#" in query:
        query, _, fragment = query.partition("#")
        fragment = "#" + REDACTED
    pairs = []
    for pair in query.split("&"):
        key, eq, value = pair.partition("=")
        pairs.append(key + "=" + REDACTED if eq and value else pair)
    return path + "?" + "&".join(pairs) + fragment


def redact(text: str, logger_name: str = "") -> str:
    """The text with the bodies of dumps, sensitive values, user ids, tokens and e-mails redacted.

    ``logger_name`` turns on the SQLAlchemy rule (string literals in SQL) for ``sqlalchemy.engine.*``.
    """
    s = _redact_dump(text)
    if logger_name.startswith("sqlalchemy.engine") and "'" in s and not s.startswith("Col ("):
        s = _SQL_LITERAL.sub("'" + REDACTED + "'", s)
    s = _redact_parameters(s)
    if "DETAIL:" in s:
        s = _PG_DETAIL.sub(lambda m: m.group(1) + REDACTED, s)
    if ":" in s:
        s = _redact_values_after(s, _DUMP_LABEL, quoted=False)
        s = _redact_values_after(s, _QUOTED_KEY, quoted=True)
    if "=" in s:
        s = _FORM_PAIR.sub(lambda m: m.group("key") + "=" + REDACTED, s)
    if "://" in s:
        s = _URL.sub(_clean_url, s)
    if "-" in s:
        s = _TOKEN.sub("[token]", s)
    if "@" in s:
        s = _EMAIL.sub("[email]", s)
    return _USER_ID.sub(USER_ID_REDACTED, s)


# ---------------------------------------------------------------------------------------------------
# The filter.


def _sqlalchemy_args(record: logging.LogRecord) -> tuple[Any, ...] | None:
    """SQLAlchemy's parameters and rows come as ``%r`` arguments: swap them for a placeholder.

    Strings (statements, cache stats) and numbers (row counts) are kept; ``Col %r`` (column names) too.
    """
    args = record.args
    if not isinstance(args, tuple) or not args or not isinstance(record.msg, str):
        return None
    if record.msg.endswith("Col %r"):
        return None
    return tuple(a if isinstance(a, (str, int, float)) else _PLACEHOLDER for a in args)


class PrivacyFilter(logging.Filter):
    """Rewrite each record so that it carries no message text nor user id (see the module's doc).

    Attach it to handlers, not loggers: a logger's filters only see the records created on that very
    logger, a handler's see every record that reaches it.  It always returns ``True``.
    """

    MARK = "_pepites_redacted"

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, self.MARK, False):
            return True
        try:
            self._rewrite(record)
        except Exception:
            self._give_up(record)
        return True

    @staticmethod
    def _rewrite(record: logging.LogRecord) -> None:
        name = record.name if isinstance(record.name, str) else ""
        if name.startswith("sqlalchemy.engine"):
            args = _sqlalchemy_args(record)
            if args is not None:
                record.args = args
        message = redact(record.getMessage(), name)
        exc_text = record.exc_text
        if record.exc_info:
            exc_text = logging.Formatter().formatException(record.exc_info)
        stack = record.stack_info
        if exc_text:
            exc_text = redact(exc_text, name)
        if stack:
            stack = redact(stack, name)
        # Nothing above may have raised by now: change the record all at once.
        record.msg = message
        record.args = ()
        record.exc_info = None
        record.exc_text = exc_text
        record.stack_info = stack
        setattr(record, PrivacyFilter.MARK, True)

    @staticmethod
    def _give_up(record: logging.LogRecord) -> None:
        try:
            record.msg = FILTER_ERROR_MESSAGE
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
            setattr(record, PrivacyFilter.MARK, True)
        except Exception:  # pragma: no cover - a record that refuses attributes: nothing more to do
            pass


_FILTER = PrivacyFilter()


def install_privacy_filter(logger: logging.Logger | None = None) -> PrivacyFilter:
    """Add the (shared) :class:`PrivacyFilter` to every handler of ``logger`` (the root logger by default).

    Idempotent: a handler that already has a ``PrivacyFilter`` is left alone.  Call it after the
    handlers exist (after ``logging.basicConfig``); handlers added later do not get the filter.
    Returns the filter, e.g. to remove it again with ``handler.removeFilter``.
    """
    target = logger if logger is not None else logging.getLogger()
    for handler in list(target.handlers):
        if not any(isinstance(f, PrivacyFilter) for f in handler.filters):
            handler.addFilter(_FILTER)
    return _FILTER
