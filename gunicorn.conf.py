"""gunicorn's settings for HeardBack: the serving model chosen by bench/serving.py (figures in
docs/benchmarks.md, section "serving"; reasons in docs/deployment.md, "gunicorn").

gunicorn reads this file from the directory it starts in; pass `--config gunicorn.conf.py` to be
explicit. Command-line options win over it (e.g. `--workers 4` on a bigger machine).

- The app is built to serve (`create_app(serving=True)`): without the migration commands, whose
  Alembic no request needs (run `flask db upgrade` before starting the server).
- Sync workers, two by default (WEB_CONCURRENCY, as gunicorn reads it): on a 2-core machine two
  processes serve as many requests a second as five, and each process costs memory.
- The app is imported once, in the master, before the workers are forked (`preload_app`): the
  workers share its code and data pages instead of each holding its own copy.
- Before the first fork (`when_ready`), the master compiles every template and serves the common
  anonymous pages to no one (`app.warm_up`), so the workers share what a first request builds
  (compiled templates and SQL, lazy caches) instead of each building its own.
- gc.freeze() before each fork moves everything the master built into the garbage collector's
  permanent generation, so collections in a worker don't touch (and copy) the shared pages.
- After a fork, each worker drops any database connection inherited from the master (the
  warm-up closes its own; a connection shared by two processes would corrupt both).
"""

from __future__ import annotations

import gc
import os

import app

wsgi_app = "app:create_app(serving=True)"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
preload_app = True


def when_ready(server):
    # Before the first fork: what a first request builds is built once, and shared (app.warm_up).
    app.warm_up(server.app.wsgi())


def pre_fork(server, worker):
    gc.freeze()


def post_fork(server, worker):
    application = server.app.wsgi()
    with application.app_context():  # Flask-SQLAlchemy's extension, as the app registered it
        application.extensions["sqlalchemy"].engine.dispose(close=False)
