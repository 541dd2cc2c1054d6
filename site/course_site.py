"""The course site's Sphinx extension: nbdev's directives, the course's order, widgets as their static picture.

MyST-NB renders notebooks but knows nothing of nbdev's `#|` directives. `rewrite` is called on each notebook as
Sphinx reads it (the `source-read` event) and hands MyST-NB a copy in which:

- `#| hide`, `#| default_exp` and `#| include: false` cells are tagged `remove-cell` (source and outputs absent);
- `#| echo: false` cells are tagged `remove-input` (output only), `#| output: false` cells `remove-output`;
- every `#|` line is dropped from the code shown (`#| export` cells stay visible as code: the lessons teach with them);
  a cell is never emptied, because MyST-NB skips a cell whose source is empty, outputs included;
- ipywidgets outputs (which need a live kernel) and the notebook's widget state are dropped, so a slider cell shows
  the one static picture `show_with_sliders` drew (with a line saying it is a still), and no page loads the widget
  scripts from the network;
- a line under the title states the course's version and links to the notebook itself (to open it in Jupyter);
- the home page (`index`) gets the table of contents, built from the notebooks present, by file name.

Links between lessons written `NN_name.ipynb`, in the prose or in Markdown a cell prints, are resolved by MyST itself
(a link to a document it knows); one to a notebook that does not exist raises a warning, which `-W` turns into a
failed build.
"""
import json
import re
from pathlib import Path

PARTS = ('Part 1: how a machine learns', 'Part 2: from notebook to tool', 'Appendix')
_re_directive = re.compile(r'^\s*#\s*\|')          # a line nbdev reads as a directive: `#| ...`
_re_num = re.compile(r'^(\d+)')
_re_magic = re.compile(r'^\s*%%\w+')
WIDGET = 'application/vnd.jupyter.widget-view+json'


def part_of(docname: str):
    "Index into `PARTS` for notebook `docname` (no suffix): numbered below 10 part 1, from 10 part 2, others appendix"
    m = _re_num.match(docname)
    if m is None: return 2
    return 0 if int(m.group(1)) < 10 else 1


def course_order(nbs_path):
    "{part title: [docname, ...]} from the notebooks in `nbs_path`, each part in file-name order; `index` is the home"
    names = sorted(p.stem for p in Path(nbs_path).glob('*.ipynb') if p.stem != 'index' and not p.stem.startswith('_'))
    return {title: [n for n in names if part_of(n) == i] for i, title in enumerate(PARTS)}


def directives(source: str) -> dict:
    """nbdev's reading of a code cell's leading `#|` directives: {'hide': [], 'echo:': ['false'], 'export': ['models']}

    The same rules as `nbdev.process.extract_directives` (tests/test_site.py checks it on every cell of the course),
    without importing nbdev, which takes seconds."""
    res = {}
    for line in source.splitlines():
        if not line.strip(): continue
        if _re_magic.match(line): s = line.strip()[2:]  # nbdev reads a leading cell magic as one (`%%time`: time)
        elif _re_directive.match(line): s = _re_directive.sub('', line).strip()
        else: break                                     # directives lead the cell; the code starts here
        if s.endswith(':'): s = s[:-1]                  # `#| hide:` is `#| hide`
        s = s.replace(':', ': ').split()
        if s: res[s[0]] = s[1:]
    return res


def _tag(cell, tag):
    tags = cell.metadata.setdefault('tags', [])
    if tag not in tags: tags.append(tag)


def _flag(ds, name) -> bool:
    "Is the Quarto-style directive `name: false` set?"
    return str(ds.get(f'{name}:', [''])[0]).lower() == 'false'


def process_cell(cell) -> bool:
    "Apply nbdev's directives to one code `cell` in place, with MyST-NB's tags; did it show widgets?"
    ds = directives(cell.source)
    if ds.keys() & {'hide', 'default_exp'} or _flag(ds, 'include'): _tag(cell, 'remove-cell')
    if _flag(ds, 'echo'): _tag(cell, 'remove-input')
    if _flag(ds, 'output') or 'hide_output' in ds: _tag(cell, 'remove-output')
    shown = [l for l in cell.source.splitlines() if not _re_directive.match(l)]
    shown = '\n'.join(shown).strip('\n')
    if shown: cell.source = shown
    else: _tag(cell, 'remove-input')  # only directives: keep the source (MyST-NB would drop the outputs too)
    outputs = cell.get('outputs', [])
    cell.outputs = [o for o in outputs if WIDGET not in o.get('data', {})]
    return len(cell.outputs) < len(outputs) and 'remove-cell' not in cell.metadata.get('tags', [])


def toctree(order) -> str:
    "MyST toctrees, one per part, hidden (they make the sidebar and the previous/next links)"
    return '\n\n'.join(f'```{{toctree}}\n:caption: {title}\n:hidden:\n\n' + '\n'.join(names) + '\n```'
                       for title, names in order.items() if names)


def _note(text, tag):
    import nbformat  # here, not at the top: it takes ~4 s to import, which the tests of the other functions skip
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata['tags'] = [tag]
    return cell


def rewrite(text: str, docname: str, version: str, nbs_path) -> str:
    "The notebook `text` (JSON) of `docname` as the site shows it"
    import nbformat  # (see `_note`)
    nb = nbformat.v4.reads(text)              # no validation here (slow): MyST-NB validates what it reads
    nb.metadata.pop('widgets', None)  # widget state: MyST-NB would load the widget scripts from a CDN
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type == 'code' and process_cell(cell):
            cells.append(_note('*A still: in Jupyter, sliders under this picture redraw it as you move them.*', 'slider-note'))
    nb.cells = cells
    name = f'{docname}.ipynb'
    note = _note(f'*threshold_ai {version} · this page is the notebook {{download}}`{name} <{name}>`: '
                 f'open it in Jupyter (`jupyter lab nbs/{name}`) to run its code.*', 'course-source')
    first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == 'markdown'), -1)
    nb.cells.insert(first_md + 1, note)
    if docname == 'index': nb.cells.append(nbformat.v4.new_markdown_cell(toctree(course_order(nbs_path))))
    return json.dumps(nb)                     # MyST-NB reads it back with nbformat


def _on_source_read(app, docname, source):
    if not app.env.doc2path(docname).suffix == '.ipynb': return
    source[0] = rewrite(source[0], docname, app.config.version, app.srcdir)


def _output_folder_inside(app):
    """MyST-NB writes each page's notebook and pictures to `jupyter_execute` beside the output folder (the
    repository's root for `_docs`): put it inside the build's doctrees, so that a build writes nothing outside `_docs`"""
    app.env.mystnb_config = app.env.mystnb_config.copy(output_folder=str(Path(app.doctreedir) / 'jupyter_execute'))


def setup(app):
    app.connect('source-read', _on_source_read)
    app.connect('builder-inited', _output_folder_inside, priority=900)  # after MyST-NB's own (priority 500)
    return dict(parallel_read_safe=True, parallel_write_safe=True)
