"""The two ways a newsdesk command ends badly, and their exit codes."""


class UsageError(Exception):
    """Bad usage or bad config: exit 2, one line on stderr, nothing written."""

    exit_code = 2


class RunFailed(Exception):
    """The run failed (a source after its retries, or a blocking check): exit 1."""

    exit_code = 1
