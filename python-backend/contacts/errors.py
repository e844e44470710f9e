"""The one error the engine raises for bad input."""


class ContactsError(Exception):
    """Bad input the user can fix; `code` is stable, `message` is for people."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message
