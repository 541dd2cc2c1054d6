"The package as a programmer uses it: `from threshold_ai.all import *`."
import math, warnings
import pytest
import torch
from threshold_ai.all import *


@pytest.mark.parametrize('threshold', [3.0, 7.0, -2.5, 0.0])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_make_samples(threshold, seed):
    x, y = make_samples(2000, threshold=threshold, seed=seed)
    assert x.shape == (2000, 1) and y.shape == (2000, 1)
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    assert torch.equal(y, (x > threshold).float())
    assert set(y.unique().tolist()) == {0.0, 1.0}
    assert (x == threshold).any() and (y[x == threshold] == 0).all()  # the threshold itself is not greater
    assert torch.equal(make_samples(2000, threshold=threshold, seed=seed)[0], x)


def test_make_samples_unseeded_and_empty():
    a, b = make_samples(500)[0], make_samples(500)[0]
    assert not torch.equal(a, b)
    x, y = make_samples(0, seed=0)
    assert x.shape == (0, 1) and y.shape == (0, 1)
    with pytest.raises(ValueError, match='n must be'): make_samples(-1)


def test_splits_and_batches():
    s = make_splits(n_train=1000, n_valid=200, n_test=100, seed=3)
    assert [len(p[0]) for p in s] == [1000, 200, 100]
    dl = batches(*s.train, bs=128, seed=0)
    xs = torch.cat([xb for xb, _ in dl])
    assert len(dl) == 8 and torch.equal(xs.sort(0).values, s.train[0].sort(0).values)
    assert torch.equal(torch.cat([xb for xb, _ in batches(*s.train, bs=128, seed=0)]), xs)
    with pytest.raises(ValueError, match='batch size'): batches(*s.train, bs=0)


@pytest.mark.parametrize('kind,min_acc,max_gap', [('linear', 0.97, 0.3), ('sigmoid', 0.999, 0.1)])
@pytest.mark.parametrize('threshold', [3.0, 7.0, -2.5])
@pytest.mark.parametrize('seed', [0, 5, 11])
def test_train_model(kind, min_acc, max_gap, threshold, seed):
    model = train_model(kind, threshold=threshold, seed=seed)
    assert isinstance(model, torch.nn.Module)
    assert model.kind == kind and float(model.threshold) == threshold
    assert not model.history.failed
    assert abs(model.boundary() - threshold) < max_gap
    assert model.boundary() > threshold  # 'threshold' itself is a no, so the boundary lies just above it
    acc = run_tests(model, n=1000, seed=seed + 100)
    assert isinstance(acc, float) and min_acc <= acc <= 1.0
    assert run_tests(model, n=1000, threshold=threshold, seed=seed + 100) == acc


def test_classify_shape_and_dtype():
    model = train_model('sigmoid', seed=0)
    x = torch.tensor([[-1.0], [2.9], [3.0], [3.1], [8.0]])
    out = classify(model, x)
    assert out.dtype == torch.bool and out.shape == (5, 1)
    assert out.flatten().tolist() == [False, False, False, True, True]


@pytest.mark.parametrize('kind', ['linear', 'sigmoid'])
def test_determinism(kind):
    a, b = train_model(kind, seed=4), train_model(kind, seed=4)
    assert a.history.train == b.history.train and a.history.valid == b.history.valid
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    c = train_model(kind, seed=5)
    assert c.history.valid != a.history.valid


def test_loss_goes_down_and_minibatches():
    model = train_model('sigmoid', seed=0, bs=256, epochs=5, lr=2.0)
    h = model.history
    assert len(h.train) == 5 and h.valid[-1] < h.valid[0]
    assert run_tests(model, seed=1) >= 0.99


def test_unknown_kind_and_failure_warning():
    with pytest.raises(ValueError, match='unknown model kind'): train_model('cubic')
    with pytest.warns(TrainingWarning, match='diverged'):
        model = train_model('linear', lr=5.0)
    assert model.history.stop == 'diverged' and model.history.failed


def test_run_tests_uses_models_threshold():
    model = train_model('sigmoid', threshold=7.0, seed=0)
    assert run_tests(model, seed=9) >= 0.999          # tested against its own threshold
    assert run_tests(model, threshold=3.0, seed=9) < 0.7  # asked the wrong question, it is mostly wrong


def test_run_tests_prints_like_doit(capsys):
    model = train_model('sigmoid', seed=0)
    run_tests(model, seed=1, verbose=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'OK   running 1000 tests'
    assert out[1] == '     accuracy: 100.0% passed'


def test_gradient_check():
    s = make_splits(seed=0)
    for kind in ('linear', 'sigmoid'):
        model = new_model(kind, s.train[0], seed=0)
        assert grad_check(model, *s.train) < 1e-8


def test_plot_loss():
    import matplotlib
    matplotlib.use('Agg')
    a, b = train_model('linear', seed=0), train_model('sigmoid', seed=0)
    ax = plot_loss(a.history, b.history, labels=['linear', 'sigmoid'], log=True)
    assert len(ax.lines) == 4
    assert list(ax.lines[0].get_ydata()) == a.history.train
    assert ax.get_yscale() == 'log'


def _why(kind, **kw):
    "The explanation of a run of `kind` trained with `kw`, which is expected to fail"
    m = train_model(kind, warn=False, **kw)
    assert m.history.failed
    return explain_failure(m.history)


def test_explain_failure_learning_rate():
    assert 'too large' in _why('linear', lr=1.2)  # diverged
    for lr in (1.0, 1.05):  # bouncing: 'stalled' rather than 'diverged', still a learning rate too large
        assert train_model('linear', lr=lr, warn=False).history.stop == 'stalled'
        assert 'learning rate is too large' in _why('linear', lr=lr)
    assert 'try a larger learning rate' in _why('linear', lr=0.001)  # crawling


def test_explain_failure_flat_losses():
    assert 'smaller weights' in _why('sigmoid', scale=10., seed=8)  # saturated
    dead = _why(ReluModel, lr=0.1, seed=8)  # dead at its first step
    assert 'dead from the start' in dead and 'another seed' in dead and 'do not help' in dead
    dying = _why(ReluModel, lr=0.1, seed=6)  # starts with w < 0, b < 0 and slides onto the dead floor
    assert 'dying' in dying and 'another seed' in dying and 'try a larger learning rate' not in dying
    frozen = History(valid=[0.5, 0.5], baseline=0.25, stop='stalled', moves=[0., 0.], kind='linear')
    assert 'another seed' in explain_failure(frozen)


def test_explain_failure_none_for_good_runs():
    for stop in ('converged', 'budget'):
        assert explain_failure(History(valid=[0.3, 0.06], baseline=0.25, stop=stop, moves=[0.5, 0.1], kind='linear')) is None
    assert explain_failure(train_model('linear', seed=0).history) is None
