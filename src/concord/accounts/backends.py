"""django-axes' lockout check, for logins that come over HTTP."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username and address before any password is checked.

    Lockout counts failures per username and client address, so it needs the request. Every login
    over HTTP (the login page, the admin's) passes one; `authenticate()` called without a request
    comes from code on the server itself (a shell, a management command, a test), where there is
    no address to lock and no one to guess passwords, so the check does not apply.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
