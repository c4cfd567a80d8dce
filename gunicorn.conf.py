"""gunicorn's settings for the portal (read from the working directory, or `gunicorn -c gunicorn.conf.py`).

gthread workers: each worker's main thread keeps its heartbeat while request threads read bodies, so
a slow upload (5 MB at 150 kB/s takes 35 s) is not killed at `timeout` the way a sync worker is at
30 s. A slow client still holds a thread while its body arrives: in production nginx sits in front
and buffers whole request bodies before gunicorn sees them (deploy/nginx.conf, docs/deploy.md).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Seconds a worker may go without a heartbeat before the arbiter kills it: a stuck worker, not a
# slow request (gthread requests run beside the heartbeat).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket lives at one path per user: two instances on one machine (tests, the
# scale-out check) would take it from each other. The portal does not use it.
control_socket_disable = True
