"""Block Kit views: plain data in, slack_sdk typed blocks out; every user string escaped and truncated."""
