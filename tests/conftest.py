"""What the selected tests will need from a process of its own starts as soon as they are collected, so that it runs
beside the tests before them on another core: the course site's build
(test_site.py) and the real processes of test_cli.py that only run and report. A test module that has such a
process defines `start_early(item)` (called for each selected test) and `stop_early()` (called at the end)."""


def _modules(session):
    return {id(m): m for m in (getattr(i, 'module', None) for i in session.items) if hasattr(m, 'start_early')}.values()


def pytest_collection_finish(session):
    # torch on one thread in this process: small tensors gain nothing from two, and torch's second thread waits on a
    # busy core (beside the site's build, test_api.py took 22 s on two threads, 13 s on one). The processes the tests
    # start keep torch's default. test_race.py checks one_thread() from two threads.
    import sys
    if 'torch' in sys.modules: sys.modules['torch'].set_num_threads(1)
    for item in session.items:
        start = getattr(getattr(item, 'module', None), 'start_early', None)
        if start: start(item)


def pytest_sessionfinish(session):
    for m in _modules(session): m.stop_early()
