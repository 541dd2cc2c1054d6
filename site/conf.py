"""Sphinx configuration of the course site, built from the notebooks' committed outputs (nothing is executed).

Build it from the repository's root (README, "Course site"):

    sphinx-build -q -W -c site nbs _docs

and open `_docs/index.html` (`_docs` is settings.ini's doc_path). The course's name and version come from settings.ini.
"""
import configparser
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_ini = configparser.ConfigParser()
_ini.read(HERE.parent / 'settings.ini')
_s = _ini['DEFAULT']

project = _s['title']
author = _s['author']
copyright = _s['copyright']
version = release = _s['version']

extensions = ['myst_nb', 'course_site']
root_doc = 'index'
exclude_patterns = ['_*', '.*', '**/.ipynb_checkpoints']
suppress_warnings = []

# MyST-NB: show the outputs committed in the notebooks, run nothing
nb_execution_mode = 'off'
nb_merge_streams = True
nb_render_markdown_format = 'myst'          # Markdown printed by a cell: its `NN_name.ipynb` links become page links too
myst_heading_anchors = 3

html_theme = 'sphinx_book_theme'
html_context = dict(default_mode='light')  # without it the theme logs 'Got invalid theme mode' as a console error
html_title = f'{project} {version}'
html_favicon = 'favicon.svg'             # the step at 3; without an icon the browser asks for /favicon.ico and gets a 404
html_copy_source = False                   # each page links to its notebook itself (a download), not a text copy
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = dict(
    home_page_in_toc=True,
    show_navbar_depth=1,
    use_download_button=False,
    use_fullscreen_button=False,
    show_toc_level=2,
    extra_footer=f'<p>{project} {version}: every page is a notebook of the course, shown with the outputs it was '
                 f'committed with. Run it in Jupyter: <code>jupyter lab nbs</code>.</p>',
)
