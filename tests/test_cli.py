"The `threshold_ai` command as a user runs it: a real process, its output, exit status and files."
import os, re, signal, shutil, subprocess, sys, time
from pathlib import Path
import pytest
import torch

SCRIPT = Path(sys.executable).parent / 'threshold_ai'
if not SCRIPT.exists(): SCRIPT = Path(shutil.which('threshold_ai') or 'threshold_ai')


def cli(*args, cwd):
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def one_line_error(r, code):
    "A failed run: the expected exit status, nothing but one 'threshold_ai: error:' line on stderr, no traceback"
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith('threshold_ai: error: ')
    assert 'Traceback' not in r.stderr + r.stdout
    return lines[0]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A folder holding a linear and a sigmoid model trained by the command line, and what the runs printed"
    d = tmp_path_factory.mktemp('models')
    runs = {k: cli('--model', k, '--train', cwd=d) for k in ('linear', 'sigmoid')}
    files = {k: (d / f'model_{k}.pt').read_bytes() for k in runs}
    return d, runs, files


@pytest.fixture
def folder(trained, tmp_path):
    "A fresh copy of the trained models, for tests that break things"
    for name in ('model_linear.pt', 'model_sigmoid.pt'): shutil.copy(trained[0] / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize('kind', ['linear', 'sigmoid'])
def test_train_prints_saves_and_tests(trained, kind):
    d, runs, _ = trained
    r = runs[kind]
    assert r.returncode == 0 and r.stderr == ''
    lines = r.stdout.splitlines()
    assert lines[0] == f'training {kind}...'
    epochs = [l for l in lines if re.fullmatch(r' *\d+\] loss: \d+\.\d{3}', l)]
    assert len(epochs) >= 10 and epochs[0].strip().startswith('0]')
    assert lines[-3].startswith(f'saved model_{kind}.pt')
    assert lines[-2] == 'OK   running 1000 tests'
    acc = float(re.fullmatch(r'     accuracy: +([\d.]+)% passed', lines[-1]).group(1))
    assert acc >= (99.9 if kind == 'sigmoid' else 97.0)
    assert (d / f'model_{kind}.pt').stat().st_size > 0
    assert not [p for p in d.iterdir() if p.name.endswith('.tmp')]


def test_load_and_test(trained):
    d = trained[0]
    r = cli('--model', 'sigmoid', cwd=d)
    assert r.returncode == 0
    assert r.stdout.splitlines() == ['loaded model_sigmoid.pt (sigmoid, threshold 3)', 'OK   running 1000 tests',
                                     '     accuracy: 100.0% passed']
    r = cli(cwd=d)  # --model defaults to linear
    assert r.returncode == 0 and r.stdout.startswith('loaded model_linear.pt (linear, threshold 3)')


def test_saved_file_holds_only_data(trained):
    d = torch.load(trained[0] / 'model_sigmoid.pt', weights_only=True)
    assert d['kind'] == 'sigmoid' and d['threshold'] == 3.0
    assert set(d) == {'format', 'version', 'kind', 'threshold', 'mean', 'std', 'weight', 'bias'}


def test_threshold_is_remembered_and_path_created(tmp_path):
    r = cli('--model', 'sigmoid', '--train', '--threshold', '7', '--seed', '3', '--path', 'sub/sevens', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = cli('--model', 'sigmoid', '--path', 'sub/sevens', cwd=tmp_path)
    assert r.returncode == 0 and 'threshold 7' in r.stdout.splitlines()[0]
    assert r.stdout.splitlines()[-1] == '     accuracy: 100.0% passed'
    line = one_line_error(cli('--model', 'sigmoid', '--path', 'sub/sevens', '--threshold', '3', cwd=tmp_path), 2)
    assert 'trained for the threshold 7' in line


def test_options_change_training(tmp_path):
    r = cli('--train', '--epochs', '3', '--lr', '0.05', '--seed', '7', '--tests', '200', cwd=tmp_path)
    # three epochs of a slow learning rate do not get far: the stop step refuses to save the result
    assert r.returncode == 1 and 'stalled' in r.stderr
    assert len([l for l in r.stdout.splitlines() if '] loss:' in l]) == 3
    assert not (tmp_path / 'model_linear.pt').exists()
    r = cli('--train', '--epochs', '20', '--seed', '7', '--tests', '200', cwd=tmp_path)
    assert r.returncode == 0 and 'running 200 tests' in r.stdout


def test_command_line_does_not_import_fastai():
    code = "import sys, threshold_ai.cli; print('fastai' in sys.modules, 'matplotlib' in sys.modules)"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.stdout.split() == ['False', 'False']


def test_help():
    r = cli('--help', cwd='.')
    assert r.returncode == 0
    for opt in ('--model', '--train', '--seed', '--epochs', '--lr', '--threshold', '--path', '--tests'):
        assert opt in r.stdout


@pytest.mark.parametrize('args,expect', [(['--bogus'], 'unrecognized arguments: --bogus'),
                                         (['--train', '--epochs'], 'argument --epochs: expected one argument')])
def test_argparse_errors_are_one_line(tmp_path, args, expect):
    line = one_line_error(cli(*args, cwd=tmp_path), 2)
    assert expect in line and line.endswith('(see threshold_ai --help)')


def test_unknown_model_kind(folder):
    line = one_line_error(cli('--model', 'cubic', cwd=folder), 2)
    assert "unknown model 'cubic'" in line and 'linear, sigmoid' in line


def test_missing_model_file(tmp_path):
    line = one_line_error(cli('--model', 'sigmoid', cwd=tmp_path), 1)
    assert line.endswith('no saved sigmoid model at model_sigmoid.pt: train one first with: threshold_ai --model sigmoid --train')
    line = one_line_error(cli('--model', 'linear', '--path', 'elsewhere', cwd=tmp_path), 1)
    assert line.endswith('train one first with: threshold_ai --model linear --train --path elsewhere')


@pytest.mark.parametrize('damage', ['empty', 'truncated', 'corrupt', 'json', 'foreign', 'pickled', 'folder'])
def test_bad_model_files(folder, trained, damage):
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
    damaged = f.read_bytes() if f.is_file() else None
    line = one_line_error(cli('--model', 'sigmoid', cwd=folder), 1)
    assert 'model_sigmoid.pt' in line
    assert (f.read_bytes() if f.is_file() else None) == damaged  # loading never writes
    assert (folder / 'model_linear.pt').read_bytes() == trained[2]['linear']


def test_model_file_of_another_kind(folder):
    shutil.copy(folder / 'model_sigmoid.pt', folder / 'model_linear.pt')
    line = one_line_error(cli('--model', 'linear', cwd=folder), 1)
    assert 'holds a sigmoid model, not a linear one' in line


def test_folder_that_cannot_be_written(folder):
    (folder / 'afile').write_text('not a folder')
    line = one_line_error(cli('--train', '--path', 'afile', cwd=folder), 2)
    assert 'is a file, not a folder' in line
    line = one_line_error(cli('--train', '--path', 'afile/sub', cwd=folder), 2)
    assert 'cannot write model files' in line


@pytest.mark.parametrize('args,expect', [
    (['--epochs', 'ten'], '--epochs must be a whole number'),
    (['--epochs', '0'], '--epochs must be a whole number from 1'),
    (['--lr', '-1'], '--lr must be a number above 0'),
    (['--lr', 'nan'], '--lr must be a number'),
    (['--threshold', '1e9'], '--threshold must be a number from -10,000 to 10,000'),
    (['--seed', '1.5'], '--seed must be a whole number'),
    (['--tests', '0'], '--tests must be a whole number from 1'),
])
def test_bad_numbers(folder, args, expect):
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    line = one_line_error(cli('--train', *args, cwd=folder), 2)
    assert expect in line
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_diverging_run_keeps_the_saved_model(folder, trained):
    line = one_line_error(cli('--model', 'linear', '--train', '--lr', '50', cwd=folder), 1)
    assert 'diverged' in line and 'left as it was' in line
    assert (folder / 'model_linear.pt').read_bytes() == trained[2]['linear']
    assert not [p for p in folder.iterdir() if p.name.endswith('.tmp')]


def test_interrupted_run_keeps_the_saved_model(folder, trained):
    p = subprocess.Popen([str(SCRIPT), '--model', 'sigmoid', '--train', '--epochs', '1000000'], cwd=folder,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [p.stdout.readline() for _ in range(3)]  # wait until training is under way
    assert lines[0] == 'training sigmoid...\n'
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130
    assert err.strip() == 'threshold_ai: error: interrupted: nothing was saved'
    assert (folder / 'model_sigmoid.pt').read_bytes() == trained[2]['sigmoid']
