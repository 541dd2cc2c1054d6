import pytest, torch
from threshold_ai.data import Splits
from threshold_ai.models import classify
from threshold_ai.evaluate import accuracy_of
from threshold_ai.digits import digits_3_7, digit_splits, digits_loss, train_digits, digits_model

def rows(x): return sorted(map(tuple, x.tolist()))

def test_count_and_scale():
    x, y = digits_3_7()
    assert x.shape == (362, 64) and y.shape == (362, 1)
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    assert x.min().item() == 0. and x.max().item() == 1.
    assert int(y.sum()) + int((1 - y).sum()) == 362

@pytest.mark.parametrize('seed', [0, 1])
def test_splits(seed):
    s = digit_splits(seed)
    assert isinstance(s, Splits)
    assert sum(len(x) for x, _ in s) == 362
    assert rows(torch.cat([x for x, _ in s])) == rows(digits_3_7()[0])
    assert all(y.shape == (len(x), 1) and x.shape[1] == 64 for x, y in s)
    assert rows(digit_splits(seed).test[0]) == rows(s.test[0])
    assert rows(digit_splits(seed + 1).test[0]) != rows(s.test[0])

def test_loss():
    assert abs(digits_loss(torch.tensor([[0.9], [0.2]]), torch.tensor([[1.], [0.]])).item() - 0.15) < 1e-6

@pytest.mark.parametrize('kind', ['linear', 'sigmoid', 'net'])
def test_train(kind):
    m = train_digits(kind, seed=0)
    assert not m.history.failed
    xt, yt = digit_splits(0).test
    assert classify(m, xt).shape == yt.shape
    assert accuracy_of(m, xt, yt) >= 0.97

def test_unknown_kind():
    with pytest.raises(ValueError, match='choose one of linear, sigmoid, net'): train_digits('cnn')



@pytest.mark.parametrize('seed', [2**32, 2**32 + 5, -1, 1.0, 0.5, True, '0', torch.tensor(1.5)])
def test_bad_seed_refused_in_one_line(seed):
    "D17: a seed the generator cannot keep (too large, negative, a float, a bool) is refused before torch sees it"
    refused = (TypeError, ValueError)  # the wrong kind of value is a TypeError, a whole number out of range a ValueError
    with pytest.raises(refused, match='seed must be a whole number from 0 to 4,294,967,295'): digit_splits(seed)
    with pytest.raises(refused, match='seed must be a whole number'): train_digits('linear', seed=seed, epochs=1)
    assert sum(len(x) for x, _ in digit_splits(2**32 - 1)) == 362  # the largest seed still works


def test_unknown_kind_of_any_type():
    for kind in (['net'], None, 3, 'NET'):
        with pytest.raises(ValueError, match='choose one of linear, sigmoid, net'): digits_model(kind)


@pytest.mark.parametrize('kind', ['linear', 'sigmoid', 'net'])
def test_model_leaves_the_global_stream_alone(kind):
    "D18: building a model neither resets nor advances the caller's torch random stream, nor depends on it"
    torch.manual_seed(5); expected = torch.rand(4)
    torch.manual_seed(5); a = digits_model(kind, seed=2); got = torch.rand(4)
    assert torch.equal(got, expected)
    torch.manual_seed(8); b = digits_model(kind, seed=2)
    c = digits_model(kind, seed=3)
    pa, pb, pc = (torch.cat([p.detach().flatten() for p in m.parameters()]) for m in (a, b, c))
    assert torch.equal(pa, pb) and not torch.equal(pa, pc)
    first = a if kind == 'linear' else a[0]
    bound = 1 / 64 ** 0.5  # nn.Linear's own initialisation: weights and bias within 1/sqrt(fan_in)
    assert first.weight.abs().max() <= bound and first.bias.abs().max() <= bound
