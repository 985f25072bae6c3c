"""Every id Slack sees, once: the command, callback ids, action ids, block ids and emoji.

The listeners, the views, ``manifest.yml`` and the tests all use these names.
"""

from typing import Final

COMMAND: Final = "/insight"
SHORTCUT_SAVE: Final = "save_as_insight"

VIEW_CAPTURE: Final = "insight_capture"
VIEW_NOTICE: Final = "insight_notice"

# Confirmation message buttons.
ACTION_CHANGE_KIND: Final = "insight_change_kind"
ACTION_MAKE_ANONYMOUS: Final = "insight_make_anonymous"
ACTION_DELETE: Final = "insight_delete"

# Capture modal blocks and their inputs.
BLOCK_TEXT: Final = "text"
INPUT_TEXT: Final = "text_input"
BLOCK_KIND: Final = "kind"
INPUT_KIND: Final = "kind_select"
BLOCK_ANONYMOUS: Final = "anonymous"
INPUT_ANONYMOUS: Final = "anonymous_check"
BLOCK_CUSTOMER: Final = "customer"
INPUT_CUSTOMER: Final = "customer_input"

DEFAULT_CAPTURE_EMOJI: Final = "gem"

# Events the app subscribes to (manifest.yml `bot_events`).
EVENTS: Final = ("reaction_added",)
# Bot token scopes the code uses.
BOT_SCOPES: Final = ("chat:write", "commands", "reactions:read")

ACTIONS: Final = (ACTION_CHANGE_KIND, ACTION_MAKE_ANONYMOUS, ACTION_DELETE)
VIEWS: Final = (VIEW_CAPTURE,)
SHORTCUTS: Final = (SHORTCUT_SAVE,)
COMMANDS: Final = (COMMAND,)

MAX_TEXT_LENGTH: Final = 4000
SUBCOMMANDS: Final = ("help", "mine")
