"""The one error the messaging package raises for requests it refuses."""


class MessagingError(Exception):
    """Bad input or a refused action; `code` is stable, `message` is for people, `status` is the HTTP hint."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def not_found(what, ident):
    """The standard 404 for a missing row."""
    return MessagingError("not_found", "%s %s does not exist." % (what, ident), 404)
