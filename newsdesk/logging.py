import logging
import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class OneLineFormatter(logging.Formatter):
    """Escape control characters in the message so that one record is one line.

    Tracebacks, added after the message by logging itself, keep their lines.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), super().formatMessage(record))
