"The benchmark module: its pieces give sane figures (no test asserts a wall time), and its command handles bad input."
import json, math, subprocess, sys
import pytest
import torch
from threshold_ai.all import *
from threshold_ai import bench


def test_stream_batches_reproducible_and_bounded():
    a = list(stream_batches(2500, 1000, seed=3))
    b = list(stream_batches(2500, 1000, seed=3))
    assert [len(x) for x, _ in a] == [1000, 1000, 500]
    assert all(torch.equal(p[0], q[0]) and torch.equal(p[1], q[1]) for p, q in zip(a, b))
    assert not torch.equal(a[0][0], list(stream_batches(2500, 1000, seed=4))[0][0])
    assert all(torch.equal(y, (x > 3).float()) for x, y in a)


def test_stream_train_learns():
    model, seconds, losses = stream_train(n=200_000, bs=20_000, kind='sigmoid', seed=0)
    assert len(losses) == 10 and losses[-1] < losses[0]
    assert run_tests(model, seed=1) >= 0.999


@pytest.mark.parametrize('kind', ['linear', 'sigmoid'])
def test_every_method_reaches_the_target(kind):
    splits = make_splits(seed=0)
    test = make_samples(1000, seed=1000)
    for name, trainer in available_trainers().items():
        model, train_some = trainer(kind, splits, seed=0)
        seconds, calls = time_to_accuracy(train_some, model, test, TARGETS[kind], max_seconds=60)
        assert math.isfinite(seconds), name
        assert accuracy_of(model, *test) >= TARGETS[kind]
    seconds, acc = sklearn_fit(kind, splits, test)
    assert acc >= TARGETS[kind]


def test_time_to_accuracy_gives_up():
    splits = make_splits(seed=0)
    model, train_some = fullbatch_trainer('linear', splits)
    seconds, calls = time_to_accuracy(train_some, model, make_samples(1000, seed=1), 1.01, max_seconds=0.05)
    assert seconds == math.inf


def test_summarise_and_table():
    times = {'(c) full batch (our default)': [1.0, 2.0, 3.0], 'slow': [10.0, 20.0, math.inf]}
    s = summarise(times)
    assert s['slow']['ratio'] == 10 and s['slow']['reached'] == 2
    races = {k: dict(times=times, target=TARGETS[k]) for k in TARGETS}
    table = race_table(races)
    assert '(2/3 reached)' in table and table.count('\n') == 3


def test_growth_memory_probe_in_a_fresh_process():
    g = growth([1000, 100_000])
    assert [r['n'] for r in g] == [1000, 100_000]
    assert 50 < g[0]['baseline_mb'] < 2000
    assert g[1]['peak_mb'] >= g[0]['peak_mb'] >= g[0]['baseline_mb']


def test_command_rejects_a_missing_gpu():
    if torch.cuda.is_available(): pytest.skip('this machine has a GPU')
    r = subprocess.run([sys.executable, '-m', 'threshold_ai.bench', '--device', 'cuda'], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == ['threshold_ai.bench: error: --device cuda needs an NVIDIA GPU and a CUDA build of torch; use --device cpu']
