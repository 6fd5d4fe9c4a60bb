"""The one kind of error a person is shown and can act on (file refused, input refused, action not
allowed, file busy). Both the store's and the services' errors are of this kind."""


class UserError(Exception):
    """The message is for the user: what is wrong and what to do."""
