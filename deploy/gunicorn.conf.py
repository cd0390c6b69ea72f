"""gunicorn settings for the ivr Flask app: `gunicorn -c deploy/gunicorn.conf.py 'ivr.app:create_app()'`.

Every webhook blocks on Rasa for up to RASA_TIMEOUT_SECONDS (3 s), so workers are threaded:
2 processes x 8 threads answer 16 turns at once per container. billing_core's pool is 10
connections + 10 overflow per process, above the 8 threads; count 20 per process against
PostgreSQL's max_connections (docs/production.md).
Metrics of all workers are merged through PROMETHEUS_MULTIPROC_DIR (an emptied, writable dir).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

bind = os.environ.get("BIND", "0.0.0.0:5000")  # inside a container
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 30  # Twilio gives up after 15 s; a worker stuck twice that long is restarted
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then (slow leaks), with jitter so not all at once
max_requests_jitter = 500
accesslog = None  # the app logs one JSON line per turn; the load balancer keeps access logs
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = False  # each worker opens its own database pool after the fork


def on_starting(server):  # type: ignore[no-untyped-def]
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:  # stale files of a previous run would add to this run's counters
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
