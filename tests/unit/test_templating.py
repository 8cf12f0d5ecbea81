"""templating.compile_all: what gunicorn.conf.py runs in the master before forking, so the
workers share compiled templates (issue 19, the server's memory)."""

from __future__ import annotations

import templating


def test_every_template_is_compiled_once_before_the_workers_need_it(app):
    names = app.jinja_env.list_templates()
    assert "base.html" in names and len(names) > 20
    assert templating.compile_all(app) == len(names)
    cache = app.jinja_env.cache
    compiled = {key[1] for key in cache}
    assert set(names) <= compiled
    # Rendering afterwards takes the compiled one: the cache does not grow.
    before = len(cache)
    app.jinja_env.get_template("base.html")
    assert len(cache) == before
