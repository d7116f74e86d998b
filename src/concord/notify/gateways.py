"""SMS gateways. Concord sends a text through whatever gateway the settings name
(`CONCORD_SMS_GATEWAY`, a dotted path): the logging gateway for the demo and for development, or
the HTTP adapter for a real SMS platform. A gateway either returns (the text was accepted) or
raises `SmsError`; the delivery loop in `services.deliveries_attempt` retries later and, after the
last attempt, shows the failure to an administrator."""

import json
import logging
import time
import urllib.error
import urllib.request
from collections import deque
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("concord.notify.sms")


class SmsError(Exception):
    """The gateway did not accept the text. `permanent`: retrying will not help (a 4xx answer)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class LoggingSmsGateway:
    """Writes each text to the log instead of sending it (the demo has no SMS platform). The last
    texts stay in `LoggingSmsGateway.sent`, like Django's mail.outbox, for tests and the shell."""

    sent: deque[tuple[str, str]] = deque(maxlen=1000)

    def __init__(self, **_options):
        pass

    def send(self, *, phone: str, text: str) -> None:
        LoggingSmsGateway.sent.append((phone, text))
        logger.info("SMS to %s: %s", phone, text)


class HttpSmsGateway:
    """POSTs {"to": phone, "text": text} as JSON to the platform's URL (with a bearer token when one
    is set). Every request has a timeout; a timeout, a refused connection or a 5xx answer is tried
    again, up to `retries` requests in all, `backoff` seconds apart and doubling; a 4xx answer is a
    permanent failure. Any 2xx answer means accepted."""

    def __init__(
        self,
        *,
        url: str,
        token: str = "",
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
    ):
        if not url:
            raise ValueError("HttpSmsGateway needs a URL (CONCORD_SMS_URL)")
        self.url, self.token = url, token
        self.timeout, self.retries, self.backoff = timeout, max(1, retries), backoff

    def _request(self, phone: str, text: str) -> urllib.request.Request:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode()
        return urllib.request.Request(self.url, data=payload, headers=headers, method="POST")

    def send(self, *, phone: str, text: str) -> None:
        errors: list[str] = []
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                with urllib.request.urlopen(
                    self._request(phone, text), timeout=self.timeout
                ) as response:
                    response.read()
                    return
            except urllib.error.HTTPError as exc:
                if 400 <= exc.code < 500:
                    raise SmsError(f"HTTP {exc.code} {exc.reason}", permanent=True) from exc
                errors.append(f"HTTP {exc.code} {exc.reason}")
            except TimeoutError as exc:
                errors.append(f"timed out after {self.timeout:g} s ({exc})")
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError):
                    errors.append(f"timed out after {self.timeout:g} s")
                else:
                    errors.append(f"unreachable: {exc.reason}")
            except OSError as exc:  # a connection reset half-way through the answer
                errors.append(f"connection error: {exc}")
        raise SmsError(f"{len(errors)} requests failed: " + "; ".join(errors))


def sms_gateway() -> SmsGateway:
    """The gateway the settings name, built with the settings' URL, token, timeout and retries."""
    return import_string(settings.CONCORD_SMS_GATEWAY)(
        url=settings.CONCORD_SMS_URL,
        token=settings.CONCORD_SMS_TOKEN,
        timeout=settings.CONCORD_SMS_TIMEOUT,
        retries=settings.CONCORD_SMS_RETRIES,
        backoff=settings.CONCORD_SMS_BACKOFF,
    )
