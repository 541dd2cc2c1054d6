"Bad input is refused where it enters, in one line (a TypeError or ValueError), before torch sees it (issue 15)."
import math
import pytest
import torch
from threshold_ai.all import *

BAD = pytest.raises((TypeError, ValueError))


@pytest.fixture(scope='module')
def model():
    x = make_samples(1000, seed=0)[0]
    with torch.no_grad():  # a line with its boundary at 3.05: no training needed to ask it questions
        m = LinearModel.from_data(x); m.weight.fill_(1.); m.bias.fill_(0.5 - (3.05 - m.mean.item()) / m.std.item())
    return m


def one_line(excinfo):
    "The error is one short line that is ours, not torch's"
    msg = str(excinfo.value)
    assert '\n' not in msg and len(msg) < 200 and 'torch' not in msg.lower().replace('torch sees', ''), msg
    return msg


# D15: complex numbers and booleans are not numbers to ask about
@pytest.mark.parametrize('bad', [3+1j, [3+1j, 2.0], torch.tensor([3+1j]), True, [True, False], torch.tensor([True])])
def test_classify_refuses_complex_and_bool(model, bad):
    with BAD as e: classify(model, bad)
    assert 'real numbers' in one_line(e)


# D21: one number is answered, other bad inputs are refused
def test_classify_answers_one_number(model):
    assert classify(model, 3.5).shape == () and classify(model, 3.5).item() is True
    assert classify(model, 3.0).item() is False and classify(model, torch.tensor(3.1)).item() is True


@pytest.mark.parametrize('bad', ['3.5', None, float('nan'), float('inf'), [1.0, float('nan')], 1e39, [[1.0, 2.0]],
                                 torch.zeros(2, 1, 1), {'x': 1}])
def test_classify_refuses_what_has_no_answer(model, bad):
    with BAD as e: classify(model, bad)
    assert one_line(e).startswith('x must')


def test_accuracy_of_refuses_mismatched_labels(model):
    x, y = make_samples(50, seed=1)
    with BAD as e: accuracy_of(model, x, y.flatten())  # a row against a column would compare all 50 x 50 pairs
    assert 'shape' in one_line(e)
    with BAD as e: accuracy_of(model, x, y * 2)
    assert 'labels 0 and 1' in one_line(e)


# D16 (part): sizes of the splits
@pytest.mark.parametrize('kw,name', [(dict(n_valid=-5), 'n_valid'), (dict(n_train=-1), 'n_train'), (dict(n_test=2.5), 'n_test'),
                                     (dict(n_train=True), 'n_train'), (dict(n_valid='10'), 'n_valid')])
def test_make_splits_refuses_bad_sizes(kw, name):
    with BAD as e: make_splits(**{**dict(n_train=10, n_valid=5, n_test=0, seed=0), **kw})
    assert one_line(e).startswith(name)


# D19: more samples than memory can hold is refused at once, with the numbers
@pytest.mark.parametrize('n', [2**39, 2**40 - 1])
def test_run_tests_refuses_more_than_memory(model, n):
    with pytest.raises(ValueError) as e: run_tests(model, n)
    assert 'GB is free' in one_line(e) and f"{n:,}" in str(e.value)


# D21: make_samples, least_squares_boundary and batches
@pytest.mark.parametrize('kw', [dict(spacing=0), dict(spacing=-0.1), dict(spacing=1e-7), dict(spacing=float('nan')),
                                dict(below=-1), dict(above=float('inf')), dict(threshold=None), dict(threshold='3'),
                                dict(threshold=True), dict(threshold=1e300), dict(seed=-1), dict(seed=2**64), dict(seed=0.5),
                                dict(device='meta'), dict(device='nonsense')])
def test_make_samples_refuses(kw):
    with BAD as e: make_samples(10, **kw)
    one_line(e)


@pytest.mark.parametrize('kw', [dict(threshold=float('nan')), dict(threshold=float('inf')), dict(spacing=0),
                                dict(above=0), dict(below=float('nan')), dict(threshold='x')])
def test_least_squares_boundary_refuses(kw):
    with BAD as e: least_squares_boundary(**kw)
    one_line(e)


def test_batches_refuses():
    x, y = make_samples(100, seed=0)
    for bad in (0, -3, 2.5, True, '8'):
        with BAD as e: batches(x, y, bs=bad)
        assert 'batch size' in one_line(e)
    with BAD as e: batches(x, y[:50], bs=10)
    assert 'one label per sample' in one_line(e)
    assert len(batches(x, y, bs=30, seed=0)) == 4 and batches(x, y) == [(x, y)]


# D21: the models' constructors and init
@pytest.mark.parametrize('bad', [torch.full((10, 1), 3.0), torch.tensor([[1.0]]), torch.tensor([[1.0], [float('nan')]]),
                                 torch.zeros(0, 1), torch.tensor([[True], [False]])])
def test_from_data_refuses_data_without_spread(bad):
    with BAD as e: LinearModel.from_data(bad)
    one_line(e)


@pytest.mark.parametrize('kw', [dict(std=0.), dict(std=-1.), dict(mean=float('nan')), dict(threshold='3')])
def test_linear_model_refuses(kw):
    with BAD: LinearModel(**kw)


@pytest.mark.parametrize('scale', [float('nan'), -1., 'big', None])
def test_init_params_refuses_scale(scale):
    with BAD as e: init_params(LinearModel(), scale=scale, seed=0)
    assert one_line(e).startswith('scale')


# D21: the quadratic lesson's functions
def test_quadratic_refuses():
    t, speed = speed_data()
    for call in (lambda: speed_data(n=0), lambda: speed_data(n=2.5), lambda: speed_data(seed=-1), lambda: Quadratic([1., 2.]),
                 lambda: Quadratic([1., float('nan'), 2.]), lambda: Quadratic.from_data(torch.ones(5)),
                 lambda: rmse(speed, speed.unsqueeze(1)), lambda: least_squares_fit(t, speed[:5]),
                 lambda: least_squares_fit(torch.ones(20), speed)):
        with BAD as e: call()
        one_line(e)
    assert math.isclose(least_squares_fit(t, speed)[1], rmse(Quadratic(least_squares_fit(t, speed)[0].float())(t), speed).item(),
                        rel_tol=1e-4)
