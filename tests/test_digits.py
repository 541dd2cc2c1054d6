import pytest, torch
from threshold_ai.data import Splits
from threshold_ai.models import classify
from threshold_ai.evaluate import accuracy_of
from threshold_ai.digits import digits_3_7, digit_splits, digits_loss, train_digits

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
