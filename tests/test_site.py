"""The course site (README, "Course site"): built from the committed notebooks into a temporary folder, served on
127.0.0.1 and opened page by page in headless Chromium.

Chromium comes from Debian (`apt-get install -y chromium`), driven by pip's `playwright` (never `playwright install`).
Without a browser these tests skip with a one-line reason, except under `CI=true`, where they fail.
What each page is expected to show is worked out here from the notebooks themselves, with nbdev's own reading of
the `#|` directives, not with the site's hook (site/course_site.py), so a hook that stops hiding a cell is caught.
"""
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from execnb.nbio import mk_cell, read_nb  # nbdev's own reading of a notebook (nbformat takes ~4 s to import)

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'
sys.path.insert(0, str(ROOT / 'site'))
import course_site  # noqa: E402

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
SEARCH_WORD = 'gradient'


def _order():
    "The course's order, worked out from the file names as the course states it: home, part 1 (< 10), part 2, appendix"
    stems = sorted(p.stem for p in NBS.glob('*.ipynb') if p.stem != 'index' and not p.stem.startswith('_'))
    num = lambda s: int(re.match(r'\d+', s).group()) if re.match(r'\d+', s) else None
    return (['index'] + [s for s in stems if num(s) is not None and num(s) < 10]
            + [s for s in stems if num(s) is not None and num(s) >= 10] + [s for s in stems if num(s) is None])


PAGES = _order()


def expected(docname):
    "What the page of notebook `docname` must show, from nbdev's reading of its cells"
    from nbdev.process import extract_directives
    nb = read_nb(NBS / f'{docname}.ipynb')
    cells = inputs = 0
    hidden, shown = [], []
    for c in nb.cells:
        if c.cell_type != 'code' or not c.source.strip(): continue
        ds = extract_directives(c, remove=False)
        code = '\n'.join(l for l in c.source.splitlines() if not re.match(r'\s*#\s*\|', l)).strip()
        if ds.keys() & {'hide', 'default_exp'} or ds.get('include:') == ['false']:
            hidden.append(code); continue
        cells += 1
        if code and ds.get('echo:') != ['false']: inputs += 1; shown.append(code)
    md = '\n'.join(c.source for c in nb.cells if c.cell_type == 'markdown')
    return dict(cells=cells, inputs=inputs, hidden=[h for h in hidden if h and h not in shown],
                details=md.count('<details'), bars=md.count('#|'))


def test_course_order(tmp_path):
    "The table of contents comes from the notebooks present: a new 02a lands between 02 and 03, in part 1"
    for n in ['index', '00_data', '02_training', '02a_new', '03_testing', '05a_x', '05_y', '10_persist', '12a_scale',
              'appendix_plots', '_private']:
        (tmp_path / f'{n}.ipynb').write_text('{}')
    parts = list(course_site.course_order(tmp_path).values())
    assert parts == [['00_data', '02_training', '02a_new', '03_testing', '05_y', '05a_x'], ['10_persist', '12a_scale'],
                     ['appendix_plots']]
    assert course_site.course_order(NBS) and sum(map(len, course_site.course_order(NBS).values())) == len(PAGES) - 1


def test_directives_read_as_nbdev_reads_them():
    "The hook reads `#|` directives as nbdev does, on every code cell of the course and on a few edge cases"
    from nbdev.process import extract_directives
    sources = [c.source for p in NBS.glob('*.ipynb') for c in read_nb(p).cells if c.cell_type == 'code']
    sources += ['#|hide\nx = 1', '#| echo: false\n#| export models\ny', '#| hide:\nz', '%%time\n#| eval:false\n1',
                '# a comment\n#| hide\n1', '']
    for s in sources:
        assert course_site.directives(s) == extract_directives(mk_cell(s), remove=False), s


def test_process_cell():
    "hide and default_exp cells removed, echo: false keeps the output only, `#|` lines go, widgets go, nothing emptied"
    def cell(src, outs=()):
        c = mk_cell(src); c.outputs = list(outs); return c
    c = cell('#| export\ndef f(): pass'); course_site.process_cell(c)
    assert c.source == 'def f(): pass' and 'tags' not in c.metadata
    for src in ('#| hide\nx = 1', '#| default_exp data', '#|include: false\n1'):
        c = cell(src); course_site.process_cell(c)
        assert 'remove-cell' in c.metadata['tags'] and c.source
    c = cell('#| echo: false\nshow()'); course_site.process_cell(c)
    assert c.metadata['tags'] == ['remove-input'] and c.source == 'show()'
    output = lambda data: {'output_type': 'display_data', 'data': data, 'metadata': {}}
    png = output({'image/png': 'iVBO', 'text/plain': '<Figure>'})
    box = output({course_site.WIDGET: {'model_id': 'a'}, 'text/plain': 'VBox(children=(...'})
    c = cell('show_with_sliders(draw, w=w)', [png, box])
    assert course_site.process_cell(c) and c.outputs == [png]


def _no_browser():
    "Why there is no browser to drive, or None"
    try: import playwright.sync_api  # noqa: F401
    except ImportError: return 'pip playwright is not installed (pip install -e ".[dev]")'
    if not Path(CHROMIUM).exists(): return f'no Chromium at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)'


def _browser_or_skip():
    "Skip (fail under CI=true) with one line when there is no browser to drive"
    reason = _no_browser()
    if reason is None: return
    if os.environ.get('CI') == 'true': pytest.fail(f'CI=true and {reason}')
    pytest.skip(reason)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


_BUILD = {}  # the build start_build started: its process, folders and log, and the git status before it


def _git_status():
    if not (shutil.which('git') and (ROOT / '.git').exists()): return None
    return subprocess.run(['git', 'status', '--porcelain'], cwd=ROOT, capture_output=True, text=True).stdout


def start_build():
    """Start building the site as README says, into a new temporary folder, in a process of its own. Started as soon
    as the tests are collected (start_early), the build, the slowest step of the suite, runs beside the other tests,
    and the `site` fixture waits for it"""
    if _BUILD: return
    root = Path(tempfile.mkdtemp(prefix='threshold_ai-site-'))
    out = root / 'build' / '_docs'
    log = open(root / 'log.txt', 'w+')
    before = _git_status()
    proc = subprocess.Popen([sys.executable, '-m', 'sphinx', '-q', '-W', '--keep-going', '-c', 'site', 'nbs', str(out)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
    _BUILD.update(proc=proc, root=root, out=out, log=log, before=before)


def start_early(item):
    "tests/conftest.py calls this for each selected test once they are collected: a test that needs the site starts it"
    if 'site' in getattr(item, 'fixturenames', ()) and _no_browser() is None: start_build()


def stop_early():
    "End the build if it still runs (a session cut short) and remove its folder; tests/conftest.py calls it at the end"
    if not _BUILD: return
    if _BUILD['proc'].poll() is None:
        _BUILD['proc'].kill(); _BUILD['proc'].wait()
    _BUILD['log'].close()
    shutil.rmtree(_BUILD['root'], ignore_errors=True)
    _BUILD.clear()


@pytest.fixture(scope='module')
def site():
    "The site built as README says, into a temporary folder, served on 127.0.0.1: its base URL and folder"
    _browser_or_skip()
    start_build()  # already under way, unless tests/conftest.py was not used
    proc, out, log = _BUILD['proc'], _BUILD['out'], _BUILD['log']
    try: proc.wait(timeout=300)
    except subprocess.TimeoutExpired: proc.kill(); proc.wait()
    log.seek(0)
    assert proc.returncode == 0, f'the site does not build:\n{log.read()}'
    if _BUILD['before'] is not None:
        assert _git_status() == _BUILD['before'], 'building the site changed files in the repository'
    assert [p.name for p in out.parent.iterdir()] == ['_docs'], 'the build wrote beside its output folder'
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}', out
    server.shutdown()


@pytest.fixture(scope='module')
def browser(site):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox'])
        yield b
        b.close()


class Tab:
    """One browser tab that opens the pages one after another (a new tab per page costs about a second here), each as
    a first visit: the browser's cache off, the site's storage cleared on leaving. `problems`: what went wrong on the
    page open now (console errors, page errors, failed requests, requests off the machine)"""
    def __init__(self, browser, base):
        self.page, self.problems = browser.new_page(viewport={'width': 1280, 'height': 900}), []
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.send('Network.enable'); cdp.send('Network.setCacheDisabled', {'cacheDisabled': True})
        seen = lambda s: self.problems.append(s)  # the list of the page open when it happens
        on = self.page.on
        on('console', lambda m: m.type == 'error' and seen(f'console error: {m.text}'))
        on('pageerror', lambda e: seen(f'page error: {e}'))
        on('requestfailed', lambda r: seen(f'request failed: {r.url} ({r.failure})'))
        on('response', lambda r: r.status >= 400 and seen(f'HTTP {r.status}: {r.url}'))
        # a site read offline loads nothing from elsewhere (a listener, not a route: routing every request is slow)
        on('request', lambda r: r.url.startswith((base, 'data:', 'blob:')) or seen(f'request off the machine: {r.url}'))

    def open(self, url):
        "Open `url`: the page and the list of its problems"
        self.problems = []
        self.page.goto(url, wait_until='load')
        return self.page, self.problems

    def leave(self):
        "Stop recording for the page open now (requests its leaving aborts are not its problems), clear its storage"
        self.problems = []
        self.page.evaluate('() => { localStorage.clear(); sessionStorage.clear(); }')
        self.page.goto('about:blank')


@pytest.fixture(scope='module')
def tab(browser, site):
    t = Tab(browser, site[0])
    yield t
    t.page.close()


PAGE_FACTS = """() => {
  const text = el => el ? el.innerText : '';
  return {
    images: [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0})),
    cells: document.querySelectorAll('article div.cell').length,
    inputs: [...document.querySelectorAll('article div.cell_input')].map(text),
    pre: [...document.querySelectorAll('pre')].map(text),
    details: document.querySelectorAll('article details').length,
    open_details: document.querySelectorAll('article details[open]').length,
    bars: (document.querySelector('article').innerText.match(/#\\|/g) || []).length,
    prev: document.querySelector('a.left-prev')?.getAttribute('href') ?? null,
    next: document.querySelector('a.right-next')?.getAttribute('href') ?? null,
    ipynb: [...document.querySelectorAll('article a[href$=".ipynb"]')].map(a => [a.getAttribute('href'), a.className]),
    text: document.querySelector('article').innerText,
    title: document.title,
  };
}"""


@pytest.mark.parametrize('docname', PAGES)
def test_page(site, tab, docname):
    "Each page, as a learner's browser shows it"
    base, out = site
    page, problems = tab.open(f'{base}/{docname}.html')  # after 'load': every image has loaded or failed
    f = page.evaluate(PAGE_FACTS)
    tab.leave()
    want = expected(docname)
    i = PAGES.index(docname)
    problems += [f'image not drawn: {im["src"]}' for im in f['images'] if not im['ok']]
    problems += [f'`#|` shown in code: {p[:80]!r}' for p in f['pre'] if '#|' in p]
    if f['bars'] != want['bars']: problems.append(f"`#|` shown {f['bars']} times, the prose has it {want['bars']} times")
    norm = lambda s: re.sub(r'\s+', ' ', s).strip()
    inputs = {norm(s) for s in f['inputs']}
    problems += [f'code of a hidden cell shown: {h[:80]!r}' for h in want['hidden'] if norm(h) in inputs]
    if f['cells'] != want['cells']: problems.append(f"{f['cells']} code cells shown, {want['cells']} expected")
    if len(f['inputs']) != want['inputs']: problems.append(f"{len(f['inputs'])} cell inputs shown, {want['inputs']} expected")
    if f['details'] != want['details']: problems.append(f"{f['details']} <details> answers, the notebook has {want['details']}")
    if f['open_details']: problems.append(f"{f['open_details']} <details> answers open, not collapsed")
    prev = PAGES[i - 1] + '.html' if i > 0 else None
    nxt = PAGES[i + 1] + '.html' if i + 1 < len(PAGES) else None
    if (f['prev'], f['next']) != (prev, nxt): problems.append(f"previous/next lead to {f['prev']}/{f['next']}, not {prev}/{nxt}")
    links = [h for h, cls in f['ipynb'] if 'download' not in cls]
    problems += [f'a link to a notebook, not to its page: {h}' for h in links]
    downloads = [h for h, cls in f['ipynb'] if 'download' in cls]
    if not any(h.endswith(f'/{docname}.ipynb') and (out / h).exists() for h in downloads):
        problems.append(f'no link to the notebook {docname}.ipynb')
    version = _version()
    if f'threshold_ai {version}' not in f['text']: problems.append(f'the course version {version} is not stated')
    assert not problems, f'{docname}.html:\n' + '\n'.join(problems)


def _version():
    import configparser
    ini = configparser.ConfigParser(); ini.read(ROOT / 'settings.ini')
    return ini['DEFAULT']['version']


def test_search(site, tab):
    "Sphinx's offline search finds a course word (SEARCH_WORD) on several pages"
    base, _ = site
    page, problems = tab.open(f'{base}/search.html?q={SEARCH_WORD}')
    page.wait_for_function("document.querySelector('#search-results p.search-summary')?.innerText.length > 0",
                           timeout=20_000)
    hits = page.eval_on_selector_all('#search-results ul.search li a', 'as => as.map(a => a.getAttribute("href"))')
    tab.leave()
    pages = {h.split('?')[0].split('#')[0] for h in hits}
    assert len(pages) >= 5, f'searching for {SEARCH_WORD!r} found {sorted(pages)}'
    assert not problems, problems
