"The benchmark module: its pieces give sane figures (no test asserts a wall time), and its command handles bad input."
import math, subprocess, sys
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
    model, loss = stream_train(n=200_000, bs=20_000, kind='sigmoid', seed=0)
    assert loss < baseline_loss(make_samples(20_000, seed=0)[1])
    assert run_tests(model, seed=1) >= 0.999


@pytest.mark.parametrize('kind', ['linear', 'sigmoid'])
def test_every_method_reaches_the_target(kind):
    splits = make_splits(seed=0)
    test = make_samples(1000, seed=1000)
    for method in methods():
        if method == 'sklearn': continue
        model, train_some = trainer(method, kind, splits, seed=0)
        seconds, calls = time_to_accuracy(train_some, model, test, TARGETS[kind], max_seconds=60)
        assert math.isfinite(seconds), method
        assert accuracy_of(model, *test) >= TARGETS[kind]
    seconds, acc = sklearn_fit(kind, splits, test)
    assert acc >= TARGETS[kind]


def test_methods_are_labelled_and_the_baseline_is_one_of_them():
    assert set(methods()) <= set(LABELS) and BASELINE_METHOD in methods()
    assert set(FEEDS) | {'learner', 'sklearn'} == set(LABELS)


def test_time_to_accuracy_gives_up():
    model, train_some = trainer('fullbatch', 'linear', make_splits(seed=0))
    seconds, calls = time_to_accuracy(train_some, model, make_samples(1000, seed=1), 1.01, max_seconds=0.05)
    assert seconds == math.inf


def test_summarise_and_table():
    times = {'fullbatch': [1.0, 2.0, 3.0], 'naive': [10.0, 20.0, math.inf]}
    s = summarise(times)
    assert s['naive']['ratio'] == 10 and s['naive']['reached'] == 2
    table = race_table({k: dict(times=times, target=TARGETS[k]) for k in TARGETS})
    assert '(2/3 reached)' in table and table.count('\n') == 3 and LABELS['naive'] in table


def test_growth_reports_time_floor_and_memory():
    g = growth([1000, 100_000])
    assert [r['n'] for r in g] == [1000, 100_000]
    assert g[1]['floor_ms'] == pytest.approx(100 * g[0]['floor_ms'])  # the floor is proportional to the data
    assert g[1]['extra_mb'] >= g[0]['extra_mb'] >= 0


def test_report_lists_every_method_and_size():
    races = {k: dict(times={m: [0.001, 0.002] for m in methods()}, target=TARGETS[k]) for k in TARGETS}
    grow = [dict(n=n, ms=1., floor_ms=0.1, extra_mb=5., gpu_mb=0.) for n in (1000, 10_000)]
    stream = dict(baseline_mb=200., result=dict(n=10**6, bs=10**5, seconds=1., extra_mb=9., accuracy=1.))
    md = report(dict(machine='test', device='cpu', quick=True, date='today', races=races, growth=grow, stream=stream))
    assert all(LABELS[m] in md for m in methods()) and '| 10,000 | 1.00 | 0.1 | 10 | 5 |' in md
    assert 'Command line' not in md  # no start-up timing, no line for it


def test_command_rejects_a_missing_gpu(capsys):
    if torch.cuda.is_available(): pytest.skip('this machine has a GPU')
    with pytest.raises(SystemExit) as e: bench.main(device='cuda')
    assert e.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        'threshold_ai.bench: error: --device cuda needs an NVIDIA GPU and a CUDA build of torch; use --device cpu']
