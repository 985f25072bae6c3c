"""Every id Slack sees, once: the command, callback ids, action ids, block ids and emoji.

The listeners, the views, ``manifest.yml`` and the tests all use these names.
"""

from typing import Any, Final

COMMAND: Final = "/insight"
SHORTCUT_SAVE: Final = "save_as_insight"

VIEW_CAPTURE: Final = "insight_capture"
VIEW_NOTICE: Final = "insight_notice"
VIEW_CONFIG: Final = "insight_config"
VIEW_RESOLVE: Final = "insight_resolve"
VIEW_REPLY: Final = "insight_reply"
VIEW_ANSWER: Final = "insight_answer"
VIEW_SIGNAL: Final = "insight_signal"
# Managers curate the theme catalogue: rename, merge into another theme, move an insight (issue 11).
VIEW_THEME_RENAME: Final = "theme_rename"
VIEW_THEME_MERGE: Final = "theme_merge"
VIEW_THEME_MOVE: Final = "theme_move"

# Confirmation message buttons.
ACTION_CHANGE_KIND: Final = "insight_change_kind"
# Opens the customer signal form (signal and subject); value = insight id.
ACTION_CHANGE_SIGNAL: Final = "insight_change_signal"
ACTION_MAKE_ANONYMOUS: Final = "insight_make_anonymous"
ACTION_DELETE: Final = "insight_delete"

# Managers' buttons on an escalation alert (and on digest items): each changes the insight's status.
# Acknowledge and dismiss change the status at once; resolve opens a form (note, € value) first.
ACTION_ACKNOWLEDGE: Final = "insight_acknowledge"
ACTION_RESOLVE: Final = "insight_resolve"
ACTION_DISMISS: Final = "insight_dismiss"
STATUS_ACTIONS: Final = {ACTION_ACKNOWLEDGE: "acknowledged", ACTION_DISMISS: "dismissed"}
# A manager writes to the reporter (relayed by the bot); the reporter answers, still anonymous.
ACTION_REPLY: Final = "insight_reply"
ACTION_ANSWER: Final = "insight_answer"
# Anyone: "me too" counts towards the quorum like the escalation reaction.
ACTION_ME_TOO: Final = "insight_me_too"
# The reporter of a near-duplicate: "+1 to #42 instead" (value ``"<new id>:<existing id>"``).
ACTION_MERGE: Final = "insight_merge"
# /insight forget: the confirmed "erase everything I shared".
ACTION_FORGET: Final = "insight_forget"

# Digest items carry the buttons above (value = insight id) and an assign select, which has no
# value: its insight is in the block id, ``f"{BLOCK_DIGEST_ITEM}:{section}:{insight_id}"``
# (digest_item_block_id).
ACTION_ASSIGN: Final = "insight_assign"
BLOCK_DIGEST_ITEM: Final = "digest_item"
# A digest item's one menu of managers' controls (an overflow: Slack allows 5 options) beside "me too": each
# option's value is ``"<action id>:<insight id>"`` (menu_value), and the listener of that action id handles it.
ACTION_ITEM_MENU: Final = "digest_item_menu"
ITEM_MENU_ACTIONS: Final = (ACTION_ACKNOWLEDGE, ACTION_ASSIGN, ACTION_RESOLVE, ACTION_DISMISS, ACTION_REPLY)
# Assign from the menu opens a form with a people picker.
VIEW_ASSIGN: Final = "insight_assign_form"
BLOCK_ASSIGNEE: Final = "assignee"
# A theme's menu (digest and App Home; overflow option values ``"<verb>:<theme key>"``, verbs below), a quoted
# insight's menu (value ``"move:<insight id>"``), and "Undo" on a curation's confirmation (value = event seq).
ACTION_THEME_MENU: Final = "theme_menu"
ACTION_THEME_INSIGHT_MENU: Final = "theme_insight_menu"
ACTION_THEME_UNDO: Final = "theme_undo"
THEME_VERBS: Final = ("rename", "merge", "move", "hide")
BLOCK_THEME: Final = "theme"  # ``f"{BLOCK_THEME}:{section}:{theme key}"``: unique in a message
# The curation forms' inputs.
BLOCK_THEME_NAME: Final = "theme_name"
BLOCK_THEME_TARGET: Final = "theme_target"
BLOCK_THEME_INSIGHT: Final = "theme_insight"
# Closing-the-loop forms.
BLOCK_NOTE: Final = "note"
BLOCK_VALUE: Final = "value_eur"

# Capture modal blocks and their inputs.
BLOCK_TEXT: Final = "text"
INPUT_TEXT: Final = "text_input"
BLOCK_KIND: Final = "kind"
INPUT_KIND: Final = "kind_select"
BLOCK_ANONYMOUS: Final = "anonymous"
INPUT_ANONYMOUS: Final = "anonymous_check"
BLOCK_CUSTOMER: Final = "customer"
INPUT_CUSTOMER: Final = "customer_input"
# Customer signal form blocks and their inputs.
BLOCK_SIGNAL: Final = "signal"
INPUT_SIGNAL: Final = "signal_select"
BLOCK_SUBJECT: Final = "subject"
INPUT_SUBJECT: Final = "subject_input"
NO_SIGNAL: Final = "none"  # the form's "no signal" option

DEFAULT_CAPTURE_EMOJI: Final = "gem"
DEFAULT_ESCALATION_EMOJIS: Final = ("arrow_up", "rotating_light")

# Events the app subscribes to (manifest.yml `bot_events`).
EVENTS: Final = (
    "reaction_added",
    "reaction_removed",
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
    "team_access_granted",  # an org-wide install (Enterprise Grid) reaches more workspaces
    "team_access_revoked",
    "message",  # from the subscriptions below: edits and deletions of captured messages, the rest ignored
)
# The manifest's subscriptions that deliver ``message`` events, and the subtypes with their own listener.
MESSAGE_SUBSCRIPTIONS: Final = ("message.channels", "message.groups")
MESSAGE_CHANGED: Final = "message_changed"
MESSAGE_DELETED: Final = "message_deleted"
# Bot token scopes the code uses.
BOT_SCOPES: Final = (
    # find its own digest in the digest channel after a post that got no answer; message.channels (captured
    # messages edited or deleted); /insight import reads a channel's history
    "channels:history",
    "channels:join",  # join a public digest or sales channel the bot was not invited to
    "channels:read",  # /insight import #name: the channel's id from its name (conversations.list)
    "chat:write",
    "commands",
    "files:write",  # the digest's chart
    # the same in private channels (message.groups); /insight import reads a channel's history
    "groups:history",
    "groups:read",  # /insight import #name of a private channel the bot is in
    "reactions:read",
    "usergroups:read",  # members of the manager user group
    "users:read",  # who is a workspace admin (/insight config)
)

ACTIONS: Final = (
    ACTION_CHANGE_KIND,
    ACTION_CHANGE_SIGNAL,
    ACTION_MAKE_ANONYMOUS,
    ACTION_DELETE,
    *STATUS_ACTIONS,
    ACTION_RESOLVE,
    ACTION_ASSIGN,
    ACTION_REPLY,
    ACTION_ANSWER,
    ACTION_ME_TOO,
    ACTION_MERGE,
    ACTION_FORGET,
    ACTION_THEME_MENU,
    ACTION_THEME_INSIGHT_MENU,
    ACTION_THEME_UNDO,
    ACTION_ITEM_MENU,
)
VIEWS: Final = (
    VIEW_CAPTURE,
    VIEW_CONFIG,
    VIEW_RESOLVE,
    VIEW_REPLY,
    VIEW_ANSWER,
    VIEW_SIGNAL,
    VIEW_THEME_RENAME,
    VIEW_THEME_MERGE,
    VIEW_THEME_MOVE,
    VIEW_ASSIGN,
)
SHORTCUTS: Final = (SHORTCUT_SAVE,)
COMMANDS: Final = (COMMAND,)

MAX_TEXT_LENGTH: Final = 4000
# A modal's text input holds at most 3,000 characters (Slack's limit for plain_text_input).
MODAL_TEXT_LENGTH: Final = 3000
SUBCOMMANDS: Final = ("help", "mine", "search", "config", "forget", "import")


def digest_item_block_id(section: str, insight_id: int) -> str:
    """The block id of a digest item's controls: unique in the message, and tells the listener the insight."""
    return f"{BLOCK_DIGEST_ITEM}:{section}:{insight_id}"


def insight_id_of_block(block_id: str) -> int | None:
    """The insight id in a digest item's block id, or None for any other block."""
    prefix, _, rest = block_id.partition(":")
    section, _, number = rest.partition(":")
    if prefix != BLOCK_DIGEST_ITEM or not section or not number.isdigit():
        return None
    return int(number)


def menu_value(action_id: str, insight_id: int) -> str:
    """An item menu option's value: the action it stands for and the insight."""
    return f"{action_id}:{insight_id}"


def chosen_action(action: dict[str, Any]) -> str:
    """The action a control stands for: its action id, or for the item menu the option picked."""
    if action.get("action_id") == ACTION_ITEM_MENU:
        value = str((action.get("selected_option") or {}).get("value") or "")
        return value.partition(":")[0]
    return str(action.get("action_id") or "")


def insight_id_of(action: dict[str, Any]) -> int | None:
    """The insight a control is about: the button's value, the item menu option's, or the select's block id."""
    value = str(action.get("value") or "")
    if action.get("action_id") == ACTION_ITEM_MENU:
        value = str((action.get("selected_option") or {}).get("value") or "").partition(":")[2]
    if value.isdigit():
        return int(value)
    return insight_id_of_block(str(action.get("block_id") or ""))
