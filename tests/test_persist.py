"Saving and loading from Python: a round trip, and every crafted or damaged file refused with one line, quickly."
import io, os, pickle, zipfile
import pytest
import torch
from threshold_ai.all import *
from threshold_ai.persist import FIELDS, MAX_FILE_BYTES


@pytest.fixture(scope='module')
def model():
    return train_model('sigmoid', threshold=7.0, seed=0)


def state(model, **changes):
    d = model_state(model)
    d.update(changes)
    return d


def refused(path, kind=None):
    with pytest.raises(ModelFileError) as e: load_model(path, kind)
    msg = str(e.value)
    assert '\n' not in msg and len(msg) < 300, msg
    return msg


def test_round_trip(model, tmp_path):
    f = save_model(model, tmp_path / 'm.pt')
    back = load_model(f)
    assert type(back) is SigmoidModel and float(back.threshold) == 7.0
    assert torch.equal(back.weight, model.weight.detach()) and torch.equal(back.bias, model.bias.detach())
    assert run_tests(back, seed=3) == run_tests(model, seed=3)
    assert os.path.getsize(f) < 4096
    assert [p.name for p in tmp_path.iterdir()] == ['m.pt']


def test_what_save_accepts_load_loads(tmp_path):
    relu = new_model(ReluModel, seed=0)
    with pytest.raises(ModelFileError, match='only linear, sigmoid models can be saved'): save_model(relu, tmp_path / 'r.pt')
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('name,changes,expect', [
    ('kind list', dict(kind=['sigmoid']), 'model kind is unknown'),
    ('kind dict', dict(kind={'a': 1}), 'model kind is unknown'),
    ('version tensor', dict(version=torch.tensor(1)), 'not version 1'),
    ('version huge list', dict(version=list(range(300_000))), None),
    ('version True', dict(version=True), 'not version 1'),
    ('version 1.0', dict(version=1.0), 'not version 1'),
    ('mean 1e300', dict(mean=1e300), 'mean is missing or out of range'),
    ('threshold 1e300', dict(threshold=1e300), 'threshold is missing or out of range'),
    ('std 1e-300', dict(std=1e-300), 'std is missing or out of range'),
    ('sparse weight', dict(weight=torch.ones(1, 1).to_sparse()), 'weight is missing or invalid'),
    ('meta weight', dict(weight=torch.empty(1, 1, device='meta')), 'weight is missing or invalid'),
    ('float64 bias', dict(bias=torch.zeros(1, dtype=torch.float64)), 'bias is missing or invalid'),
    ('extra field', dict(extra=1), 'some other kind of file'),
])
def test_crafted_states_are_refused(model, tmp_path, name, changes, expect):
    f = tmp_path / 'm.pt'
    torch.save(state(model, **changes), f)
    msg = refused(f)
    assert str(f) in msg
    if expect: assert expect in msg


def test_deeply_nested_version(model, tmp_path):
    "As deep as torch can save (about 300 levels here): refused in one line, never printed"
    v = 1
    for _ in range(300): v = [v]
    f = tmp_path / 'm.pt'
    torch.save(state(model, version=v), f)
    assert 'not version 1' in refused(f)


@pytest.mark.parametrize('protocol', [2, 4, 5])
def test_other_pickle_protocols_quietly(model, tmp_path, protocol, recwarn):
    "Protocol 2 (torch's own) loads; 4 and 5, which torch's safe loader does not read, are refused in one line"
    f = tmp_path / 'm.pt'
    torch.save(model_state(model), f, pickle_protocol=protocol)
    if protocol == 2: assert float(load_model(f).threshold) == 7.0
    else: assert 'not a usable' in refused(f)
    assert not [w for w in recwarn if 'threshold_ai' not in str(w.filename)]


def test_huge_and_bomb_files_refused_before_loading(model, tmp_path, monkeypatch):
    big = tmp_path / 'big.pt'
    big.write_bytes(b'\0' * (MAX_FILE_BYTES + 1))
    assert 'far more than a model file' in refused(big)
    bomb = tmp_path / 'bomb.pt'  # a small zip whose part claims hundreds of MB of zeros
    with zipfile.ZipFile(bomb, 'w', zipfile.ZIP_DEFLATED) as z:
        with z.open('archive/data/0', 'w') as part:
            for _ in range(40): part.write(b'\0' * 2**20)
    assert bomb.stat().st_size < MAX_FILE_BYTES
    calls = []
    monkeypatch.setattr(torch, 'load', lambda *args, **kwargs: calls.append(args))
    assert 'not a usable' in refused(bomb)
    assert calls == []  # refused from the sizes the zip claims, before torch unpacks anything


def test_fifo_does_not_hang(tmp_path):
    f = tmp_path / 'm.pt'
    os.mkfifo(f)
    assert 'not a regular file' in refused(f)


def test_folder_empty_missing(tmp_path):
    (tmp_path / 'dir.pt').mkdir()
    assert 'is a folder' in refused(tmp_path / 'dir.pt')
    (tmp_path / 'e.pt').write_bytes(b'')
    assert 'is empty' in refused(tmp_path / 'e.pt')
    assert 'no saved model' in refused(tmp_path / 'none.pt')


def test_save_errors_name_the_model_file(model, tmp_path):
    f = tmp_path / 'm.pt'
    f.mkdir()  # the model file is a folder: os.replace fails
    with pytest.raises(ModelFileError) as e: save_model(model, f)
    assert str(e.value).startswith(f'cannot save {f}: ') and '.tmp' not in str(e.value)
    with pytest.raises(ModelFileError, match='cannot save'): save_model(model, tmp_path / 'gone' / 'm.pt')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['m.pt']


# Hostile round three (issue 15): only a model file is ever replaced

@pytest.mark.parametrize('special', ['fifo', 'socket'])
def test_special_files_are_never_replaced(model, tmp_path, special):
    "D1: a FIFO or a socket (like /dev/null, a device) at the path is left alone, with one line"
    import socket, stat
    f = tmp_path / 'm.pt'
    if special == 'fifo': os.mkfifo(f)
    else: sock = socket.socket(socket.AF_UNIX); sock.bind(str(f))
    with pytest.raises(ModelFileError) as e: save_model(model, f)
    assert str(e.value) == f'cannot save {f}: it is not a regular file (a pipe, socket or device), so it is left alone'
    assert (stat.S_ISFIFO if special == 'fifo' else stat.S_ISSOCK)(os.lstat(f).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ['m.pt']


@pytest.mark.parametrize('name', ['newdir/', 'newdir/.', 'newdir/..', 'adir', 'link-to-adir', 'link-to-adir/'])
def test_a_folder_is_never_replaced(model, tmp_path, name):
    "D10: a path that names or ends as a folder (even through a link) is refused; nothing is created"
    (tmp_path / 'adir').mkdir(); (tmp_path / 'link-to-adir').symlink_to('adir')
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(ModelFileError, match='cannot save .*(folder|add a file name)'): save_model(model, f'{tmp_path}/{name}')
    assert sorted(os.listdir(tmp_path)) == before and (tmp_path / 'link-to-adir').is_symlink()
    assert os.listdir(tmp_path / 'adir') == []


def test_mode_of_the_old_file_is_kept(model, tmp_path):
    "D9: a private model file stays private when a new model replaces it; a new file gets the umask's mode"
    f = tmp_path / 'm.pt'
    save_model(model, f)
    umask = os.umask(0); os.umask(umask)
    assert f.stat().st_mode & 0o777 == 0o666 & ~umask
    f.chmod(0o600)
    save_model(model, f)
    assert f.stat().st_mode & 0o777 == 0o600


def test_link_to_a_model_file_is_followed(model, tmp_path):
    "A link to a regular file is followed, as loading follows it: the file it points at gets the new model"
    (tmp_path / 'real').mkdir()
    f = save_model(train_model('sigmoid', seed=1), tmp_path / 'real' / 'm.pt'); f.chmod(0o640)
    (tmp_path / 'link.pt').symlink_to('real/m.pt')
    save_model(model, tmp_path / 'link.pt')
    assert (tmp_path / 'link.pt').is_symlink() and f.stat().st_mode & 0o777 == 0o640
    assert float(load_model(f).threshold) == 7.0 and sorted(os.listdir(tmp_path / 'real')) == ['m.pt']


def test_unusable_model_is_blamed_not_the_good_file(model, tmp_path):
    "D20: saving a model whose std is nan over a good file: the message is about the model; the file is untouched"
    f = save_model(model, tmp_path / 'm.pt')
    good = f.read_bytes()
    bad = train_model('sigmoid', seed=0, threshold=7.0)
    bad.std.fill_(float('nan'))
    with pytest.raises(ModelFileError) as e: save_model(bad, f)
    assert str(e.value) == f'cannot save {f}: this model is not usable (its std is missing or out of range)'
    assert f.read_bytes() == good
