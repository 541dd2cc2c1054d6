"Tests of threshold_ai.parts: PyTorch's parts agree with the course's steps, and the lesson's claims hold"
import pickle
import pytest
import torch
from torch import nn
from threshold_ai.parts import constant_task, params_of, train_parts, mae, regression_report, parts_sigmoid
from threshold_ai.models import init_params
from threshold_ai.training import calc_grad, step, mse
from threshold_ai.evaluate import accuracy_of
from threshold_ai.data import make_splits


def test_constant_task():
    x, y = constant_task(50, seed=3)
    assert x.shape == (50, 10) and y.shape == (50, 1)
    assert ((x >= 0) & (x < 1)).all() and (y == 5).all()
    assert torch.equal(x, constant_task(50, seed=3)[0])


def test_sgd_step_is_our_step():
    torch.manual_seed(1)
    a = nn.Linear(10, 1); b = nn.Linear(10, 1); b.load_state_dict(a.state_dict())
    x, y = constant_task(8)
    calc_grad(a, x, y); step(a, 0.05)
    train_parts(b, x, y, lr=0.05, momentum=0., bs=8)
    assert torch.allclose(params_of(a), params_of(b), atol=1e-7)
    assert torch.isclose(nn.MSELoss()(a(x), y), mse(a(x), y))


def test_metrics():
    assert mae(torch.tensor([4., 7.]), torch.tensor([5., 5.])).item() == pytest.approx(1.5)
    r = regression_report(nn.Identity(), torch.tensor([4., 7.]), torch.tensor([5., 5.]))
    assert r == pytest.approx(dict(mse=2.5, rmse=2.5 ** 0.5, mae=1.5))


def test_momentum_helps_the_constant():
    x, y = constant_task(200)
    biases = []
    for mom in (0., 0.9):
        torch.manual_seed(0); m = nn.Linear(10, 1)
        biases.append(train_parts(m, x, y, momentum=mom)[0][-1, -1].item())
    assert biases[0] < biases[1]


def test_weights_only_load(tmp_path):
    m = nn.Linear(10, 1)
    torch.save(m, tmp_path / 'm.pth')
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / 'm.pth')
    torch.save(m.state_dict(), tmp_path / 'w.pth')
    fresh = nn.Linear(10, 1)
    fresh.load_state_dict(torch.load(tmp_path / 'w.pth', weights_only=True))
    assert torch.equal(params_of(fresh), params_of(m))


def test_parts_sigmoid_solves_threshold():
    s = make_splits(seed=0)
    net = parts_sigmoid(s.train[0]); init_params(net[1], seed=0)
    train_parts(net, *s.train, lr=10., momentum=0., bs=len(s.train[0]), epochs=200)
    assert accuracy_of(net, *s.test) >= 0.999


def test_opt_func_swaps_the_optimizer():
    "train_parts(opt_func=torch.optim.Adam) takes Adam's steps, the same as Adam written out by hand"
    x, y = constant_task(20)
    torch.manual_seed(0); a = nn.Linear(10, 1)
    b = nn.Linear(10, 1); b.load_state_dict(a.state_dict())
    traj = train_parts(a, x, y, lr=0.1, opt_func=torch.optim.Adam)[0]
    opt = torch.optim.Adam(b.parameters(), lr=0.1)
    for i in range(len(x)):
        opt.zero_grad(); nn.MSELoss()(b(x[i:i+1]), y[i:i+1]).backward(); opt.step()
    assert traj.shape == (21, 11)
    assert torch.allclose(params_of(a), params_of(b))
    c = nn.Linear(10, 1); c.load_state_dict(a.state_dict())
    assert not torch.allclose(params_of(c), train_parts(c, x, y, lr=0.1)[0][-1])  # SGD from there moves elsewhere
