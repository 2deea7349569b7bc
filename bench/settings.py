"""Settings of the benchmarks: the test settings on their own database, tasks queued, not run."""

import os

os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/voisinage_bench")

from config.settings.test import *  # noqa: F403
from config.settings.test import Q_CLUSTER

# The benchmark times the queuing of e-mail batches: tasks go to the ORM broker
# (as in production) instead of running inline.
Q_CLUSTER = {**Q_CLUSTER, "sync": False}
DEBUG = False
