"""Everything in Pépites that speaks Slack: the Bolt app, its listeners, Block Kit views, the CLI."""
