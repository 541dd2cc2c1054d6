"Bad input to fit, train_model and new_model is refused in one line where it enters, before torch sees it (issue 15: D2, D14, D16, D20, D21)"
import math, warnings
import pytest, torch
import torch.nn.functional as F
from threshold_ai.data import *
from threshold_ai.models import *
from threshold_ai.training import *

@pytest.fixture(scope='module')
def s(): return make_splits(n_train=200, n_valid=50, n_test=10, seed=1)

def fresh(s, kind='linear'): return new_model(kind, s.train[0], seed=0)

def refused(call, match, kind=(TypeError, ValueError)):
    "`call()` fails with a one-line TypeError/ValueError whose message matches `match`"
    with pytest.raises(kind, match=match) as e: call()
    assert '\n' not in str(e.value), str(e.value)
    return str(e.value)

# D2: a failed fit leaves the caller's model as it was
@pytest.mark.parametrize('device', ['meta', 'banana', 'cuda:99'])
def test_failed_device_leaves_model(s, device):
    m = fresh(s); w = m.weight.detach().clone()
    refused(lambda: fit(m, s.train, s.valid, device=device), 'device|GPU')
    assert m.weight.device.type == 'cpu' and torch.equal(m.weight.detach(), w)

def test_failure_inside_training_restores_model(s):
    m = fresh(s); w = m.weight.detach().clone()
    def boom(epoch, h):
        if epoch == 3: raise RuntimeError('stop here')
    with pytest.raises(RuntimeError, match='stop here'): fit(m, s.train, s.valid, on_epoch=boom)
    assert torch.equal(m.weight.detach(), w)

# D21: no GPU says so, and how to train on the CPU
@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a machine without a GPU')
def test_cuda_without_gpu(s):
    msg = refused(lambda: fit(fresh(s), s.train, s.valid, device='cuda'), 'no GPU')
    assert 'CPU' in msg
    refused(lambda: train_model('linear', n=100, device='cuda'), 'no GPU')

# D14: labels that do not match the model's output per sample
def test_flat_labels_refused(s):
    x, y = s.train
    refused(lambda: fit(fresh(s), (x, y.view(-1)), s.valid), r'y\.view\(-1, 1\)')
    refused(lambda: fit(fresh(s), s.train, (s.valid[0], s.valid[1].view(-1))), r'valid.*y\.view\(-1, 1\)')

def test_class_labels_say_what_fit_supports(s):
    x, y = s.train
    ten = torch.nn.Linear(1, 10)  # ten outputs against class numbers 0-9
    msg = refused(lambda: fit(ten, (x, torch.randint(0, 10, (len(x),))), s.valid), 'one label per model output')
    assert 'cross-entropy' in msg

def test_binary_labels_for_bce(s):
    x, y = s.train
    refused(lambda: fit(new_model('sigmoid', x), (x, y * 3), s.valid, loss_func=F.binary_cross_entropy), '0 or 1')

@pytest.mark.parametrize('bad, match', [
    (lambda s: ([1., 2.], [0., 1.]), 'pair \\(x, y\\) of tensors'),
    (lambda s: (s.train[0].view(-1), s.train[1]), r'x\.view\(-1, 1\)'),
    (lambda s: (s.train[0][:0], s.train[1][:0]), 'empty'),
    (lambda s: (s.train[0], s.train[1][:5]), 'one label per input'),
    (lambda s: (s.train[0].long(), s.train[1]), 'float'),
    (lambda s: (s.train[0], s.train[1].bool()), 'float'),
    (lambda s: (s.train[0].double(), s.train[1]), 'float|dtype|model cannot take'),
    (lambda s: (s.train[0].repeat(1, 2), s.train[1]), 'model cannot take'),
    (lambda s: (s.train[0] * math.nan, s.train[1]), 'NaN'),
    (lambda s: (s.train[0], s.train[1] * math.inf), 'NaN or infinite')])
def test_bad_sets(s, bad, match):
    refused(lambda: fit(fresh(s), bad(s), s.valid), match)

# D16 and D21: every number checked where it enters
@pytest.mark.parametrize('kw, match', [
    (dict(lr=True), 'lr must be'), (dict(lr='0.1'), 'lr must be'), (dict(lr=None), 'lr must be'),
    (dict(lr=math.nan), 'lr must be'), (dict(lr=math.inf), 'lr must be'), (dict(lr=-1), 'lr must be'),
    (dict(lr=0), 'lr must be'), (dict(lr=10**400), 'lr must be'), (dict(lr=1j), 'lr must be'),
    (dict(epochs=True), 'epochs must be'), (dict(epochs=2.0), 'epochs must be'), (dict(epochs=0), 'epochs must be'),
    (dict(epochs=-3), 'epochs must be'), (dict(epochs='10'), 'epochs must be'),
    (dict(bs=0), 'bs must be'), (dict(bs=1.5), 'bs must be'), (dict(bs=False), 'bs must be'),
    (dict(seed=-1), 'seed must be'), (dict(seed=2**64), 'seed must be'), (dict(seed=0.5), 'seed must be'),
    (dict(patience=0), 'patience must be'), (dict(tol=math.nan), 'tol must be'),
    (dict(loss_func='mse'), 'loss_func must be a function'), (dict(on_epoch=3), 'on_epoch must be a function'),
    (dict(device=3.5), 'device must be'), (dict(compile='yes'), 'compile must be')])
def test_bad_fit_arguments(s, kw, match):
    m = fresh(s); w = m.weight.detach().clone()
    msg = refused(lambda: fit(m, s.train, s.valid, **kw), match)
    assert len(msg) < 200 and torch.equal(m.weight.detach(), w)

def test_good_numbers_still_accepted(s):
    import numpy as np
    h = fit(fresh(s), s.train, s.valid, lr=np.float32(0.1), epochs=np.int64(3), bs=np.int64(64), seed=np.int64(2))
    assert len(h.valid) == 3

@pytest.mark.parametrize('kw, match', [
    (dict(n=1), 'from 2'), (dict(n=0), 'from 2'), (dict(n=True), 'n, the number'), (dict(n=2.5), 'n, the number'),
    (dict(scale=math.nan), 'scale must be'), (dict(scale=-1), 'scale must be'), (dict(scale='big'), 'scale must be'),
    (dict(lr=True), 'lr must be'), (dict(lr=10**400), 'lr must be')])
def test_bad_train_model_arguments(kw, match):
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # a refusal, not a warning
        refused(lambda: train_model('linear', **kw), match)

def test_huge_n_quotes_what_was_given():  # D20
    msg = refused(lambda: train_model('linear', n=2**62), 'n, the number')
    assert str(2**62) in msg and str(2**62 + 3000) not in msg

@pytest.mark.parametrize('x', [torch.empty(0, 1), torch.full((4, 1), 3.), torch.tensor([[1.], [math.nan]]), torch.ones(1, 1)])
def test_new_model_needs_spread(x):
    refused(lambda: new_model('linear', x), 'two different finite values')

def test_new_model_bad_arguments():
    refused(lambda: new_model('linear', [1., 2.]), 'float tensor')
    refused(lambda: new_model('linear', scale=math.inf), 'scale must be')
    refused(lambda: new_model('linear', threshold='3'), 'threshold must be')

def test_fit_still_trains_and_returns_best(s):
    m = fresh(s)
    h = fit(m, s.train, s.valid, lr=1.0, epochs=30)
    assert validate(m, *s.valid) == pytest.approx(min(h.valid), abs=1e-7) and h.best == h.valid.index(min(h.valid))
    h2 = train_loop(fresh(s), batches(*s.train), s.valid, lr=1.0, epochs=30)
    assert h2.valid == h.valid  # fit is the plain loop behind its checks
