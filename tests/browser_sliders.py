"""The slider cells in a real JupyterLab, driven in headless Chromium: one picture, redrawn in place.

Run it by hand from the repository's root (it takes minutes: it runs the notebooks in a real kernel):

    python tests/browser_sliders.py                       # appendix_plots, 01_linear, 02a_training_loop, 04_quadratic
    python tests/browser_sliders.py nbs/01_linear.ipynb   # some notebooks only
    python tests/browser_sliders.py --out /tmp/sliders    # where the screenshots go (default /tmp/browser_sliders)

It needs Debian's Chromium (`apt-get install -y chromium`, or set CHROMIUM) and pip's playwright (never
`playwright install`). pytest does not collect it (its name does not start with `test_`).

It starts `jupyter lab` on a free port of 127.0.0.1 (no token: a throwaway server, stopped by its process id at the
end) on the notebooks' folder, with the repository on PYTHONPATH, autosave off (the notebooks on disk are not
changed: checked at the end) and every cell attached to the page. For each notebook it runs all cells, then for each
slider cell (a cell that calls `show_with_sliders`):

- exactly one picture (`img`) in the cell's output area, sliders under it, no `VBox(children=`/`interactive(` text;
- it moves the first slider one step with the keyboard (the arrow key on the slider's handle, as a learner would)
  and waits for the picture to change: the picture's data differs, there is still exactly one picture, and the time
  from the key press to the new picture is the redraw time;
- screenshots of the cell before and after go to the output folder.

It prints one line per check and exits with status 1 if any failed.
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ['appendix_plots', '01_linear', '02a_training_loop', '04_quadratic']
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
SETTINGS = {  # JupyterLab user settings for a test run
    '@jupyterlab/notebook-extension/tracker': {'windowingMode': 'none'},  # every cell in the page, not only visible ones
    '@jupyterlab/docmanager-extension/plugin': {'autosave': False},        # never write the notebooks
    '@jupyterlab/apputils-extension/notification': {'fetchNews': 'false', 'checkForUpdates': False},
}
CALL = re.compile(r'^\s*show_with_sliders\(', re.MULTILINE)  # a call, not the definition or an import


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_lab(nbs: Path, tmp: Path):
    "A throwaway JupyterLab on 127.0.0.1 serving `nbs`: (process, base URL)"
    settings = tmp / 'settings'
    for name, value in SETTINGS.items():
        f = settings / f'{name}.jupyterlab-settings'
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(value))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp / 'workspaces'))
    port = free_port()
    log = open(tmp / 'lab.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--allow-root', '--no-browser', '--ip', '127.0.0.1',
                             '--port', str(port), '--ServerApp.token=', '--ServerApp.password=',
                             f'--ServerApp.root_dir={nbs}'], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    for _ in range(240):
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1): return proc, url
        except OSError:
            if proc.poll() is not None: sys.exit(f'jupyter lab stopped: see {tmp / "lab.log"}')
            time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    sys.exit('jupyter lab did not start in 2 minutes')


CELL_FACTS = """cell => {
  const out = cell.querySelector('.jp-Cell-outputArea');
  const imgs = out ? [...out.querySelectorAll('img')] : [];
  return {
    source: cell.querySelector('.jp-InputArea .cm-content')?.innerText ?? '',
    prompt: cell.querySelector('.jp-InputPrompt')?.innerText ?? '',
    images: imgs.map(i => i.src),
    drawn: imgs.every(i => i.complete && i.naturalWidth > 0),
    sliders: out ? out.querySelectorAll('.widget-slider').length : 0,
    text: out ? out.innerText : '',
    errors: out ? out.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').length : 0,
  };
}"""


def run_all(page, timeout_s):
    "Run all cells through the Run menu, and wait until every code cell has run (or one failed)"
    page.click('.lm-MenuBar-itemLabel:text-is("Run")')
    page.click('li.lm-Menu-item[data-command="runmenu:run-all"]')
    t = time.perf_counter()
    page.wait_for_function("""() => {
        const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(p => p.innerText);
        const busy = prompts.some(p => p.includes('*'));
        const error = document.querySelector('.jp-Notebook [data-mime-type="application/vnd.jupyter.error"]');
        return error || (!busy && prompts.every(p => /\\[\\d+\\]/.test(p)));
    }""", timeout=timeout_s * 1000, polling=500)
    return time.perf_counter() - t


def check_notebook(page, url, name, out: Path, report):
    page.goto(f'{url}/lab/tree/{name}.ipynb?reset')  # ?reset: this notebook alone, not the last one's tabs too
    page.wait_for_selector('.jp-Notebook .jp-CodeCell', timeout=120_000)
    # Run All before the kernel is ready clears the outputs and runs nothing: wait for the status bar's "| Idle"
    page.wait_for_function("document.querySelector('.jp-StatusBar-Widget') && document.body.innerText.includes('| Idle')",
                           timeout=180_000)
    secs = run_all(page, 600)
    error = page.query_selector('.jp-Notebook [data-mime-type="application/vnd.jupyter.error"]')
    report(error is None, f'{name}: ran all cells in {secs:.1f} s' + (f', stopped by an error: {error.inner_text()[:300]}' if error else ''))
    page.screenshot(path=str(out / f'{name}_full.png'), full_page=False)
    cells = page.query_selector_all('.jp-Notebook .jp-CodeCell')
    n = 0
    for i, cell in enumerate(cells):
        f = cell.evaluate(CELL_FACTS)
        if not CALL.search(f['source']): continue
        n += 1
        where = f'{name} cell {i} {f["prompt"].strip()}'
        cell.scroll_into_view_if_needed()
        cell.screenshot(path=str(out / f'{name}_cell{i}_before.png'))
        report(len(f['images']) == 1 and f['drawn'], f'{where}: {len(f["images"])} picture(s) in the output area')
        report(f['sliders'] > 0, f'{where}: {f["sliders"]} slider(s)')
        report(not re.search(r'VBox\(children=|interactive\(', f['text']), f'{where}: no widget text'
               + (f' ({f["text"][:120]!r})' if re.search(r'VBox\(children=|interactive\(', f['text']) else ''))
        if not f['sliders'] or not f['images']: continue
        handle = cell.query_selector('.widget-slider .noUi-handle')
        before = f['images'][0]
        handle.focus()
        t = time.perf_counter()
        page.keyboard.press('ArrowRight')
        try:
            cell.wait_for_selector('img', state='attached', timeout=1000)
            page.wait_for_function("([cell, before]) => { const i = cell.querySelectorAll('.jp-Cell-outputArea img');"
                                   " return i.length >= 1 && [...i].every(x => x.src !== before && x.complete && x.naturalWidth > 0); }",
                                   arg=[cell, before], timeout=60_000, polling='raf')
            redraw = time.perf_counter() - t
        except Exception:
            redraw = None
        g = cell.evaluate(CELL_FACTS)
        value = cell.query_selector('.widget-slider .widget-readout')
        value = value.inner_text() if value else '?'
        cell.screenshot(path=str(out / f'{name}_cell{i}_after.png'))
        report(redraw is not None, f'{where}: first slider moved one step (now {value}): picture '
               + (f'redrawn in {redraw:.2f} s' if redraw is not None else 'NOT changed within 60 s'))
        report(len(g['images']) == 1 and g['images'][0] != before, f'{where}: after the move {len(g["images"])} picture(s), '
               f'{"a new one" if g["images"] and g["images"][0] != before else "the old one"}')
    report(n > 0, f'{name}: {n} slider cell(s) found')
    stop_kernels(page)


def stop_kernels(page):
    "Shut down every kernel of the server (its REST API, called from the page with its XSRF cookie): the next notebook starts alone"
    page.evaluate("""async () => {
        const xsrf = document.cookie.match(/_xsrf=([^;]+)/);
        const headers = xsrf ? {'X-XSRFToken': decodeURIComponent(xsrf[1])} : {};
        for (const s of await (await fetch('/api/sessions')).json())
            await fetch('/api/sessions/' + s.id, {method: 'DELETE', headers});
    }""")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to check (default: the four with slider cells)')
    ap.add_argument('--out', default='/tmp/browser_sliders', help='folder for the screenshots')
    args = ap.parse_args()
    names = [Path(n).stem for n in args.notebooks] or DEFAULT
    nbs = ROOT / 'nbs'
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    if not Path(CHROMIUM).exists(): sys.exit(f'no Chromium at {CHROMIUM}: apt-get install -y chromium, or set CHROMIUM')
    from playwright.sync_api import sync_playwright
    stamps = {p: p.stat().st_mtime_ns for p in nbs.glob('*.ipynb')}
    failures = []

    def report(ok, line):
        print(('OK   ' if ok else 'FAIL ') + line, flush=True)
        if not ok: failures.append(line)

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_lab(nbs, Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox'])
                page = browser.new_page(viewport={'width': 1400, 'height': 1000})
                for name in names: check_notebook(page, url, name, out, report)
                browser.close()
        finally:
            proc.send_signal(signal.SIGINT); proc.send_signal(signal.SIGINT)
            try: proc.wait(20)
            except subprocess.TimeoutExpired: proc.kill()
    report(all(p.stat().st_mtime_ns == t for p, t in stamps.items()), 'the notebooks on disk are unchanged')
    print(f'screenshots in {out}')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
