"The course site's build starts as soon as the tests are collected, when one of them needs it (see tests/test_site.py)"


def pytest_collection_finish(session):
    for item in session.items:
        start = getattr(getattr(item, 'module', None), 'start_build', None)
        if start and 'site' in getattr(item, 'fixturenames', ()):
            start()
            return


def pytest_sessionfinish(session):
    import sys
    module = sys.modules.get('test_site') or sys.modules.get('tests.test_site')
    if module: module.stop_build()
