"""Errors of the Nova client, by what the caller should do about them."""


class ComputeError(Exception):
    """Nova refused the request (4xx other than 404/409). Not worth retrying as is."""

    status_code: int | None = None

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code


class ComputeNotFound(ComputeError):
    """The server, service or aggregate does not exist (404)."""

    status_code = 404


class ComputeConflict(ComputeError):
    """Nova says the resource is in the wrong state for this action (409)."""

    status_code = 409


class ComputeUnavailable(ComputeError):
    """Nova or Keystone could not be reached, timed out, or answered 5xx. Retry later."""

    status_code = 503
