"Packaging for threshold_ai: everything is read from settings.ini, the one place nbdev keeps the project's metadata."
from configparser import ConfigParser
from pathlib import Path
import setuptools

here = Path(__file__).parent
config = ConfigParser(delimiters=['='])
config.read(here/'settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

for key in 'version description repo user author author_email license min_python lib_name'.split():
    if key not in cfg: raise SystemExit(f"settings.ini has no '{key}': add it to the [DEFAULT] section")

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License'),
            'mit': ('MIT License', 'OSI Approved :: MIT License'),
            'gpl2': ('GNU General Public License v2', 'OSI Approved :: GNU General Public License v2 (GPLv2)'),
            'gpl3': ('GNU General Public License v3', 'OSI Approved :: GNU General Public License v3 (GPLv3)'),
            'bsd3': ('BSD License', 'OSI Approved :: BSD License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))
min_python = cfg['min_python']
major, minor = (int(o) for o in min_python.split('.')[:2])
py_versions = [f'{major}.{m}' for m in range(minor, 15)]  # every 3.x from min_python on, not a hard-coded list

def split(key): return cfg.get(key, '').split()

requirements = split('requirements')
dev_requirements = split('dev_requirements')
console_scripts = split('console_scripts')
project_url = f"https://github.com/{cfg['user']}/{cfg['lib_name']}"

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=(here/'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    license=lic[0],
    url=cfg.get('git_url', project_url),
    classifiers=[f"Development Status :: {statuses[int(cfg.get('status', '3'))-1]}",
                 f"Intended Audience :: {cfg.get('audience', 'Education').title()}",
                 'Natural Language :: ' + cfg.get('language', 'English').title()]
                + ([f'License :: {lic[1]}'] if lic[1] else [])
                + [f'Programming Language :: Python :: {v}' for v in py_versions],
    keywords=cfg.get('keywords', ''),
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    include_package_data=True,
    python_requires=f'>={min_python}',
    install_requires=requirements,
    extras_require={'dev': dev_requirements},
    entry_points={'console_scripts': console_scripts,
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
