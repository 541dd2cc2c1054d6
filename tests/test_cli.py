"""The `threshold_ai` command. Most behaviour is tested in-process through `console(argv)`, the installed entry point;
a handful of tests start a real process for what only a process shows: exit codes, signals, stderr, imports."""
import io, os, re, signal, shutil, stat, subprocess, sys, tempfile, threading
from pathlib import Path
import pytest
import torch
from threshold_ai import cli
from threshold_ai.cli import console
from threshold_ai.persist import FIELDS, save_model, load_model

SCRIPT = Path(sys.executable).parent / 'threshold_ai'
if not SCRIPT.exists(): SCRIPT = Path(shutil.which('threshold_ai') or 'threshold_ai')


@pytest.fixture(autouse=True)
def restore_signals():
    "console(argv) gives back the handlers it found: check it"
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    now = {s: signal.getsignal(s) for s in saved}
    for s, h in saved.items(): signal.signal(s, h)
    assert now == saved


def run(capsys, *args, cwd):
    "console(args) in `cwd`: (exit status, stdout lines, stderr lines)"
    old = os.getcwd()
    os.chdir(cwd)
    try: code = console(list(args))
    except SystemExit as e: code = e.code
    finally: os.chdir(old)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.strip().splitlines()


def one_line_error(result, code):
    got, out, err = result
    assert got == code, (got, out, err)
    assert len(err) == 1 and err[0].startswith('threshold_ai: error: '), err
    return err[0]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A folder with a linear and a sigmoid model saved by the command, and what the runs printed"
    d = tmp_path_factory.mktemp('models')
    runs = {}
    for k in ('linear', 'sigmoid'):
        import io, contextlib
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.chdir(d): code = console(['--model', k, '--train'])
        runs[k] = (code, out.getvalue().splitlines())
    return d, runs, {k: (d / f'model_{k}.pt').read_bytes() for k in runs}


@pytest.fixture
def folder(trained, tmp_path):
    for name in ('model_linear.pt', 'model_sigmoid.pt'): shutil.copy(trained[0] / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize('kind', ['linear', 'sigmoid'])
def test_train_prints_saves_and_tests(trained, kind):
    d, runs, _ = trained
    code, lines = runs[kind]
    assert code == 0 and lines[0] == f'training {kind}...'
    epochs = [l for l in lines if re.fullmatch(r' *\d+\] loss: \d+\.\d{3}', l)]
    assert len(epochs) >= 10 and epochs[0].strip().startswith('0]')
    assert lines[-3].startswith(f'saved model_{kind}.pt') and lines[-2] == 'OK   running 1000 tests'
    acc = float(re.fullmatch(r'     accuracy: +([\d.]+)% passed', lines[-1]).group(1))
    assert acc >= (99.9 if kind == 'sigmoid' else 97.0)
    assert sorted(p.name for p in d.iterdir()) == ['model_linear.pt', 'model_sigmoid.pt']


def test_load_and_test(trained, capsys):
    code, out, err = run(capsys, '--model', 'sigmoid', cwd=trained[0])
    assert code == 0 and err == []
    assert out == ['loaded model_sigmoid.pt (sigmoid, threshold 3)', 'OK   running 1000 tests', '     accuracy: 100.0% passed']
    code, out, _ = run(capsys, cwd=trained[0])
    assert code == 0 and out[0] == 'loaded model_linear.pt (linear, threshold 3)'


def test_saved_file_holds_only_data(trained):
    d = torch.load(trained[0] / 'model_sigmoid.pt', weights_only=True)
    assert d['kind'] == 'sigmoid' and d['threshold'] == 3.0 and set(d) == set(FIELDS)


def test_threshold_remembered_even_when_not_exact_in_float32(tmp_path, capsys):
    assert run(capsys, '--model', 'sigmoid', '--train', '--threshold', '3.1', '--path', 'sub/t', cwd=tmp_path)[0] == 0
    code, out, _ = run(capsys, '--model', 'sigmoid', '--path', 'sub/t', '--threshold', '3.1', cwd=tmp_path)
    assert code == 0 and out[0] == 'loaded sub/t/model_sigmoid.pt (sigmoid, threshold 3.1)'
    line = one_line_error(run(capsys, '--model', 'sigmoid', '--path', 'sub/t', '--threshold', '3', cwd=tmp_path), 2)
    assert 'trained for the threshold 3.1, not 3' in line


def test_negative_threshold_without_equals(tmp_path, capsys):
    code, out, err = run(capsys, '--model', 'sigmoid', '--train', '--threshold', '-1e3', '--epochs', '300', cwd=tmp_path)
    assert code == 0, err
    assert float(load_model(tmp_path / 'model_sigmoid.pt').threshold) == -1000


def test_stalled_run_saves_nothing_and_creates_no_folder(tmp_path, capsys):
    line = one_line_error(run(capsys, '--train', '--epochs', '3', '--lr', '0.05', '--path', 'new/dir', cwd=tmp_path), 1)
    assert 'stalled' in line and 'larger learning rate' in line and line.endswith('nothing was saved')
    assert list(tmp_path.iterdir()) == []


def test_bouncing_run_blames_the_learning_rate(folder, trained, capsys):
    line = one_line_error(run(capsys, '--model', 'linear', '--train', '--lr', '1', cwd=folder), 1)
    assert 'bounced' in line and 'learning rate is too large' in line and 'left as it was' in line
    assert (folder / 'model_linear.pt').read_bytes() == trained[2]['linear']


def test_diverging_run_keeps_the_saved_model(folder, trained, capsys):
    line = one_line_error(run(capsys, '--model', 'linear', '--train', '--lr', '50', cwd=folder), 1)
    assert 'diverged' in line and 'left as it was' in line
    assert (folder / 'model_linear.pt').read_bytes() == trained[2]['linear']


def test_help(capsys):
    code, out, _ = run(capsys, '--help', cwd='.')
    assert code == 0
    text = '\n'.join(out)
    for opt in ('--model', '--train', '--seed', '--epochs', '--lr', '--threshold', '--path', '--tests'): assert opt in text
    assert '--pdb' not in text and '--xtra' not in text


@pytest.mark.parametrize('args,expect', [(['--bogus'], 'unrecognized arguments: --bogus'),
                                         (['--train', '--epochs'], 'argument --epochs: expected one argument'),
                                         (['--mod', 'sigmoid'], 'unrecognized arguments: --mod'),
                                         (['--pdb'], 'unrecognized arguments: --pdb'),
                                         (['--xtra', 'x'], 'unrecognized arguments: --xtra')])
def test_argparse_errors_are_one_line(tmp_path, capsys, args, expect):
    line = one_line_error(run(capsys, *args, cwd=tmp_path), 2)
    assert expect in line and line.endswith('(see threshold_ai --help)')


def test_unknown_model_kind(folder, capsys):
    line = one_line_error(run(capsys, '--model', 'cubic', cwd=folder), 2)
    assert "unknown model 'cubic'" in line and 'linear, sigmoid' in line


def test_missing_model_file_quotes_the_command(tmp_path, capsys):
    line = one_line_error(run(capsys, '--model', 'sigmoid', cwd=tmp_path), 1)
    assert line.endswith('no saved sigmoid model at model_sigmoid.pt: train one first with: threshold_ai --model sigmoid --train')
    line = one_line_error(run(capsys, '--path', 'my models', cwd=tmp_path), 1)
    assert line.endswith("train one first with: threshold_ai --model linear --train --path 'my models'")


@pytest.mark.parametrize('damage', ['empty', 'truncated', 'corrupt', 'json', 'foreign', 'pickled', 'folder', 'huge'])
def test_bad_model_files(folder, trained, capsys, damage):
    f = folder / 'model_sigmoid.pt'
    good = f.read_bytes()
    if damage == 'empty': f.write_bytes(b'')
    elif damage == 'truncated': f.write_bytes(good[:len(good) // 2])
    elif damage == 'corrupt': f.write_bytes(bytes(b ^ 0x5A for b in good))
    elif damage == 'json': f.write_text('{"weight": [[1.0]], "bias": [0.0]}')
    elif damage == 'foreign': torch.save({'weight': torch.ones(1, 1), 'bias': torch.zeros(1)}, f)
    elif damage == 'pickled':  # a whole pickled module, the unsafe kind of file: refused, never run
        from threshold_ai.all import train_model
        torch.save(train_model('sigmoid', epochs=1), f)
    elif damage == 'folder': f.unlink(); f.mkdir()
    elif damage == 'huge': f.write_bytes(b'PK' + b'\0' * 10**6)
    damaged = f.read_bytes() if f.is_file() else None
    line = one_line_error(run(capsys, '--model', 'sigmoid', cwd=folder), 1)
    assert 'model_sigmoid.pt' in line and 'threshold_ai --model sigmoid --train' in line
    assert (f.read_bytes() if f.is_file() else None) == damaged  # loading never writes
    assert (folder / 'model_linear.pt').read_bytes() == trained[2]['linear']




def test_folder_that_cannot_be_written(folder, capsys):
    (folder / 'afile').write_text('not a folder')
    assert 'afile is a file, not a folder' in one_line_error(run(capsys, '--train', '--path', 'afile', cwd=folder), 2)
    assert 'cannot write model files' in one_line_error(run(capsys, '--train', '--path', 'afile/sub', cwd=folder), 2)


@pytest.mark.parametrize('args,expect', [
    (['--epochs', 'ten'], '--epochs must be a whole number'),
    (['--epochs', '0'], '--epochs must be a whole number from 1'),
    (['--lr', '-1'], '--lr must be a number above 0'),
    (['--lr', 'nan'], '--lr must be a number'),
    (['--threshold', '1e9'], '--threshold must be a number from -10,000 to 10,000'),
    (['--seed', '1.5'], '--seed must be a whole number'),
    (['--tests', '0'], '--tests must be a whole number from 1'),
    (['--lr', '1e400'], '--lr must be a number above 0'),  # overflows to infinity
    (['--seed', '9' * 5000], '--seed must be a whole number'),  # too long for Python to read as an int
])
def test_bad_numbers(folder, capsys, args, expect):
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert expect in one_line_error(run(capsys, '--train', *args, cwd=folder), 2)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_interrupt_after_the_save_says_so(folder, monkeypatch, capsys):
    real = cli.save_model
    def save_then_ctrl_c(model, path):
        real(model, path)
        os.kill(os.getpid(), signal.SIGINT)  # held back until the save is over, then delivered
    monkeypatch.setattr(cli, 'save_model', save_then_ctrl_c)
    line = one_line_error(run(capsys, '--model', 'sigmoid', '--train', '--seed', '1', cwd=folder), 130)
    assert 'interrupted after saving model_sigmoid.pt: the new model is in place' in line
    assert float(load_model(folder / 'model_sigmoid.pt').threshold) == 3.0


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_during_the_save_is_held_until_it_is_complete(folder, trained, monkeypatch, capsys, sig):
    real = cli.save_model
    def signal_mid_save(model, path):
        os.kill(os.getpid(), sig)  # arrives while the save has not begun: held back until it is over
        real(model, path)
    monkeypatch.setattr(cli, 'save_model', signal_mid_save)
    line = one_line_error(run(capsys, '--model', 'sigmoid', '--train', '--seed', '1', cwd=folder), 128 + sig)  # D3
    what = 'interrupted' if sig == signal.SIGINT else f'stopped by {sig.name}'
    assert f'{what} after saving model_sigmoid.pt: the new model is in place' in line
    assert (folder / 'model_sigmoid.pt').read_bytes() != trained[2]['sigmoid']  # the new model, complete
    assert load_model(folder / 'model_sigmoid.pt').kind == 'sigmoid'
    assert sorted(p.name for p in folder.iterdir()) == ['model_linear.pt', 'model_sigmoid.pt']  # no temporary file


# What only a real process shows

def _start_import_check(tmp):
    code = "import sys, threshold_ai.cli; print('fastai' in sys.modules, 'matplotlib' in sys.modules)"
    return dict(p=subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True))


def _start_odd_names(tmp):
    odd = os.fsencode(tmp) + b'/caf\xc3\xa9-\xff'  # one valid UTF-8 letter, one byte that is not UTF-8
    p = subprocess.Popen([str(SCRIPT), '--model', 'sigmoid', '--train', '--epochs', '20', '--path', odd],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, LC_ALL='C.UTF-8'))
    run = dict(p=p, odd=odd, signalled=False)
    def sigterm_once_printed():
        for line in iter(p.stdout.readline, b''):
            if b'accuracy' in line:
                p.send_signal(signal.SIGTERM); run['signalled'] = True
                return
    run['watch'] = threading.Thread(target=sigterm_once_printed, daemon=True)
    run['watch'].start()
    return run


def _start_closed_output(tmp):
    return dict(p=subprocess.Popen(f'{SCRIPT} --model sigmoid --train --epochs 5 | head -c1; exit ${{PIPESTATUS[0]}}',
                                   shell=True, executable='/bin/bash', cwd=tmp, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True))


STARTS = {'test_command_line_does_not_import_fastai': _start_import_check,
          'test_real_process_odd_file_names_and_a_late_signal': _start_odd_names,
          'test_real_process_closed_output': _start_closed_output}
_RUNS = {}  # test name: its process (and what the test reads of it), started by start_early


def start_early(item):
    """Start the real process of test `item`, if it is one of STARTS: the tests that only start a process and read
    what it did. tests/conftest.py calls this for each selected test once they are collected, so these processes run
    beside the tests before them: each new Python that imports torch takes ~3 s here"""
    name = getattr(item, 'originalname', item.name)
    if name in STARTS and name not in _RUNS:
        tmp = Path(tempfile.mkdtemp(prefix='threshold_ai-cli-'))
        _RUNS[name] = STARTS[name](tmp)  # the dict itself: a watching thread may write into it
        _RUNS[name]['tmp'] = tmp


def stop_early():
    "Stop what still runs (a session cut short) and remove the temporary folders; tests/conftest.py calls it at the end"
    for r in _RUNS.values():
        if r['p'].poll() is None: r['p'].kill(); r['p'].wait()
        shutil.rmtree(r['tmp'], ignore_errors=True)
    _RUNS.clear()


@pytest.fixture
def real_run(request):
    "The real process of this test, started early by start_early (or now, if tests/conftest.py was not used)"
    start_early(request.node)
    return _RUNS[request.node.originalname]


def test_command_line_does_not_import_fastai(real_run):
    out, _ = real_run['p'].communicate(timeout=120)
    assert out.split() == ['False', 'False']


def test_real_process_odd_file_names_and_a_late_signal(real_run):
    """A path that is not ASCII, nor valid UTF-8, under a UTF-8 locale: saved, and printed without an error.
    D4: a SIGTERM once the result is printed, while the process ends: no traceback, no message, status 0"""
    run = real_run
    run['watch'].join(timeout=120)
    p, odd = run['p'], run['odd']
    out, err = p.communicate(timeout=60)
    assert run['signalled'], 'the command never printed its accuracy'
    assert (p.returncode, err) == (0, b'')
    assert os.path.exists(odd + b'/model_sigmoid.pt')


def test_sigterm_while_training_keeps_the_saved_model(folder, trained):
    "A real process, so a real signal: one line, exit status 128+15, and the saved model untouched"
    p = subprocess.Popen([str(SCRIPT), '--model', 'sigmoid', '--train', '--epochs', '1000000'], cwd=folder,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [p.stdout.readline() for _ in range(3)]  # wait until training is under way
    assert lines[0] == 'training sigmoid...\n'
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 143
    assert err.strip() == 'threshold_ai: error: stopped by SIGTERM: nothing was saved'
    assert (folder / 'model_sigmoid.pt').read_bytes() == trained[2]['sigmoid']
    assert sorted(x.name for x in folder.iterdir()) == ['model_linear.pt', 'model_sigmoid.pt']


def test_ctrl_c_while_training_keeps_the_saved_model(folder, trained, capsys, monkeypatch):
    "Ctrl-C arrives in Python as KeyboardInterrupt: raised here in the middle of training, in-process"
    def interrupted(epoch, h):
        if epoch == 2: raise KeyboardInterrupt
    real_train = cli.train_model
    monkeypatch.setattr(cli, 'train_model', lambda *a, **kw: real_train(*a, **{**kw, 'on_epoch': interrupted}))
    line = one_line_error(run(capsys, '--model', 'sigmoid', '--train', cwd=folder), 130)
    assert line == 'threshold_ai: error: interrupted: nothing was saved'
    assert (folder / 'model_sigmoid.pt').read_bytes() == trained[2]['sigmoid']
    assert sorted(x.name for x in folder.iterdir()) == ['model_linear.pt', 'model_sigmoid.pt']


# Hostile round three (issue 15): files and paths

def suggested(line):
    "The command that a one-line error suggests (after its last 'with: '), read by bash as a pasted line would be"
    assert 'with: threshold_ai ' in line, line
    words = line.rsplit('with: threshold_ai ', 1)[1]
    r = subprocess.run(['bash', '-c', 'printf "%s\\0" ' + words], capture_output=True, check=True)
    return [os.fsdecode(a) for a in r.stdout.split(b'\0')[:-1]]


@pytest.mark.parametrize('name', ['a\nb', 'a\rb', 'red\x1b[31m', 'tab\tbell\a'])
def test_control_characters_in_paths_are_escaped(tmp_path, capsys, name):
    "D6: one line, nothing a terminal acts on, in errors and in results; the suggested command still works"
    code, out, err = run(capsys, '--path', name, cwd=tmp_path)
    line = one_line_error((code, out, err), 1)
    assert line.isprintable() and repr(name)[1:-1] in line
    argv = suggested(line)
    assert argv[argv.index('--path') + 1] == name
    code, out, err = run(capsys, *argv, '--epochs', '5', cwd=tmp_path)
    assert code == 0 and all(l.isprintable() for l in out) and err == []
    assert (tmp_path / name / 'model_linear.pt').is_file()


@pytest.mark.parametrize('path', ['-x', 'caf\udcff', 'my models', "it's"])
def test_suggested_command_works_when_pasted(tmp_path, capsys, path):
    "D11: '--path=-x' and a name that is not UTF-8 (the byte 0xff, as Python reads it) are suggested back exactly"
    line = one_line_error(run(capsys, f'--path={path}', '--model', 'sigmoid', cwd=tmp_path), 1)
    code, _, err = run(capsys, *suggested(line), '--epochs', '5', cwd=tmp_path)
    assert code == 0, err
    assert os.path.isfile(os.fsencode(tmp_path) + b'/' + os.fsencode(path) + b'/model_sigmoid.pt')
    assert run(capsys, f'--path={path}', '--model', 'sigmoid', cwd=tmp_path)[0] == 0


def test_special_file_refused_before_training(tmp_path, capsys):
    "D1: a FIFO where the model file would go: one line before any training, and the FIFO is left alone"
    os.mkfifo(tmp_path / 'model_linear.pt')
    code, out, err = run(capsys, '--train', cwd=tmp_path)
    assert 'not a regular file' in one_line_error((code, out, err), 1) and out == []
    assert stat.S_ISFIFO(os.lstat(tmp_path / 'model_linear.pt').st_mode)


def test_path_that_is_a_file_suggests_no_training(tmp_path, capsys):
    "D11: --path naming a file is a usage error, not advice to train where no model can be saved"
    (tmp_path / 'f').write_text('a file')
    line = one_line_error(run(capsys, '--path', 'f', cwd=tmp_path), 2)
    assert 'f is a file, not a folder' in line and 'threshold_ai --model' not in line


def test_file_of_another_kind_advice_works(folder, trained, capsys):
    "D11: model_sigmoid.pt holds a linear model: '--model linear' would read model_linear.pt, so it is not advised"
    shutil.copy(folder / 'model_linear.pt', folder / 'model_sigmoid.pt')
    line = one_line_error(run(capsys, '--model', 'sigmoid', cwd=folder), 1)
    assert 'holds a linear model, not a sigmoid one' in line and '--model linear' not in line
    assert run(capsys, *suggested(line), '--epochs', '5', cwd=folder)[0] == 0
    assert run(capsys, '--model', 'sigmoid', cwd=folder)[0] == 0
    assert (folder / 'model_linear.pt').read_bytes() == trained[2]['linear']


def test_threshold_advice_works(tmp_path, capsys):
    "D11: the advice for a model trained for another threshold is a whole command, with the exact threshold"
    assert run(capsys, '--model', 'sigmoid', '--train', '--epochs', '5', '--path=-m', cwd=tmp_path)[0] == 0
    line = one_line_error(run(capsys, '--model', 'sigmoid', '--path=-m', '--threshold', '-2.345678', cwd=tmp_path), 2)
    assert 'trained for the threshold 3, not -2.34568' in line
    assert run(capsys, *suggested(line), '--epochs', '5', cwd=tmp_path)[0] == 0
    assert run(capsys, '--model', 'sigmoid', '--path=-m', '--threshold', '-2.345678', cwd=tmp_path)[0] == 0


# Signals and streams

def test_signal_while_testing_after_the_save(folder, monkeypatch, capsys):
    "D3: SIGTERM while the saved model is tested: 143, the model in place, and a test command that works"
    real = cli.run_tests
    def tests_then_sigterm(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        return real(*args, **kwargs)
    monkeypatch.setattr(cli, 'run_tests', tests_then_sigterm)
    line = one_line_error(run(capsys, '--model', 'sigmoid', '--train', '--epochs', '5', '--path', 'sub', cwd=folder), 143)
    assert line.startswith('threshold_ai: error: stopped by SIGTERM after saving sub/model_sigmoid.pt: '
                           'the new model is in place but untested; test it with: ')
    monkeypatch.setattr(cli, 'run_tests', real)
    assert run(capsys, *suggested(line), cwd=folder)[1][0] == 'loaded sub/model_sigmoid.pt (sigmoid, threshold 3)'


def test_signal_once_the_run_is_over_changes_nothing(folder, monkeypatch, capsys):
    "D4: a signal after the tests' result: no error, no traceback, exit status 0"
    real = cli.run_cli
    def run_then_sigterm(*args, **kwargs):
        acc = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return acc
    monkeypatch.setattr(cli, 'run_cli', run_then_sigterm)
    code, out, err = run(capsys, '--model', 'sigmoid', '--train', '--epochs', '5', cwd=folder)
    assert (code, err) == (0, []) and out[-2] == 'OK   running 1000 tests'


def test_ignored_signal_stays_ignored(folder, monkeypatch, capsys):
    "`nohup` starts a command with SIGHUP ignored: the command must not undo that (a hang-up changes nothing)"
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    real = cli.save_model
    def hangup_then_save(model, path):
        os.kill(os.getpid(), signal.SIGHUP)
        return real(model, path)
    monkeypatch.setattr(cli, 'save_model', hangup_then_save)
    code, out, err = run(capsys, '--model', 'sigmoid', '--train', '--epochs', '5', cwd=folder)
    assert (code, err) == (0, []) and signal.signal(signal.SIGHUP, before) is signal.SIG_IGN


class Broken(io.StringIO):
    "A stdout that fails like a closed pipe or a full disk once `lines` lines were written"
    def __init__(self, lines, errno): super().__init__(); self.left, self.errno = lines, errno
    def write(self, s):
        if self.left <= 0: raise OSError(self.errno, os.strerror(self.errno))
        self.left -= s.count('\n')
        return super().write(s)


@pytest.mark.parametrize('errno,what', [(32, 'the output was closed'), (28, 'the output is full')])
@pytest.mark.parametrize('lines', [1, 7])
def test_lost_output_says_what_happened(folder, trained, monkeypatch, capsys, errno, what, lines):
    "D7: EPIPE (| head) or ENOSPC (> /dev/full): what happened, and what became of the model file"
    monkeypatch.setattr(sys, 'stdout', Broken(lines, errno))
    code, _, err = run(capsys, '--model', 'sigmoid', '--train', '--seed', '1', '--epochs', '5', cwd=folder)
    line = one_line_error((code, [], err), 1)
    if lines == 1:  # during training: nothing saved
        assert line == f'threshold_ai: error: {what}: nothing was saved'
        assert (folder / 'model_sigmoid.pt').read_bytes() == trained[2]['sigmoid']
    else:  # at the 'saved' line, after 'training' and five epochs
        assert line.startswith(f'threshold_ai: error: {what} after saving model_sigmoid.pt: the new model is in place')
        assert (folder / 'model_sigmoid.pt').read_bytes() != trained[2]['sigmoid']


def test_real_process_closed_output(real_run):
    "D7: `| head -c1`: one line on stderr, status 1, and no complaint from Python's last flush"
    p = real_run['p']
    out, err = p.communicate(timeout=120)
    assert (p.returncode, out) == (1, 't')
    assert err == 'threshold_ai: error: the output was closed: nothing was saved\n'


@pytest.mark.parametrize('args', [['--bogus'], ['--model', 'sigmoid'], ['--train', '--lr', '50']])
def test_errors_never_go_to_stdout(tmp_path, monkeypatch, capsys, args):
    "D8: with stderr closed (`2>&-`) Python's sys.stderr is None, and print(file=None) would print to stdout"
    monkeypatch.setattr(sys, 'stderr', None)
    code, out, _ = run(capsys, *args, cwd=tmp_path)
    assert code in (1, 2) and not [l for l in out if 'error' in l]


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
def test_signal_while_starting_is_one_line(tmp_path, sig):
    "D5: a signal while the imports run never lands inside them (numpy turns Ctrl-C into an ImportError)"
    fake = tmp_path / 'torch'  # a torch whose import is hit by a signal, and that turns Ctrl-C into its own error
    fake.mkdir()
    (fake / '__init__.py').write_text(f'import os, time\ntry:\n    os.kill(os.getpid(), {int(sig)})\n    time.sleep(5)\n'
                                      "except KeyboardInterrupt as e: raise ImportError('numpy failed to import') from e\n")
    path = os.pathsep.join([str(tmp_path)] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p])
    r = subprocess.run([str(SCRIPT), '--model', 'sigmoid'], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PYTHONPATH=path))
    what = 'interrupted' if sig == signal.SIGINT else f'stopped by {sig.name}'
    assert (r.returncode, r.stderr) == (128 + sig, f'threshold_ai: error: {what} while starting: nothing was done\n')
