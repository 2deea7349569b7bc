"""An e-mail backend that dies like a worker killed mid-batch (tests only).

``KillingEmailBackend`` appends each recipient it "delivers" to the file named by
``KILLING_BACKEND_LOG`` and, when it is asked for message number
``KILLING_BACKEND_AFTER + 1``, sends SIGKILL to its own process: no exception, no
cleanup, no ``finally`` – what the OOM killer or a pulled plug does to a worker.
"""

from __future__ import annotations

import os
import signal

from django.core.mail.backends.base import BaseEmailBackend


class KillingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        log = os.environ["KILLING_BACKEND_LOG"]
        after = int(os.environ["KILLING_BACKEND_AFTER"])
        sent = 0
        for message in email_messages:
            with open(log, "a+", encoding="utf-8") as handle:
                handle.seek(0)
                delivered = len(handle.read().splitlines())
                if delivered >= after:
                    os.kill(os.getpid(), signal.SIGKILL)
                handle.write(",".join(message.to) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            sent += 1
        return sent
