"Lesson 12's race: it stops on the validation set, checks after every step, runs on one thread, and reports the test accuracy after."
import math
import torch
from threshold_ai.all import *


def test_every_method_is_checked_after_every_step():
    assert {every for bs, every in FEEDS.values()} == {1}
    model, train_some = trainer('minibatch', 'sigmoid', make_splits(seed=0))
    seconds, calls = time_to_accuracy(train_some, model, make_splits(seed=0).valid, TARGETS['sigmoid'])
    assert calls < 10  # no floor of 10 steps under mini-batches


def test_the_bold_rate_takes_the_line_there_in_one_step():
    assert method_lr('bold', 'linear') == 0.5 and method_lr('fullbatch', 'linear') == 0.1
    for seed in range(3):
        splits = make_splits(seed=seed)
        model, train_some = trainer('bold', 'linear', splits, seed=seed)
        assert time_to_accuracy(train_some, model, splits.valid, TARGETS['linear'])[1] == 1


def test_the_race_stops_on_validation_and_reports_test_accuracy():
    r = race('sigmoid', seeds=[0])
    assert set(r) == {'times', 'calls', 'test_acc', 'target'}
    splits = make_splits(seed=0)
    model, train_some = trainer('fullbatch', 'sigmoid', splits, seed=0)
    steps = 0
    while accuracy_of(model, *splits.valid) < TARGETS['sigmoid']: train_some(); steps += 1
    assert r['calls']['fullbatch'] == [steps]  # the same stop, judged on the validation set
    test = make_samples(1000, seed=seed_for_tests(0))
    assert r['test_acc']['fullbatch'] == [accuracy_of(model, *test)]
    assert all(len(v) == 1 and 0 <= v[0] <= 1 for v in r['test_acc'].values())


def test_one_thread_sets_and_restores():
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # not 1 (tests/conftest.py runs the tests on one thread): a restore that fails would show
    try:
        with one_thread(): assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally: torch.set_num_threads(before)


def test_sklearn_fit_scores_each_set():
    splits = make_splits(seed=0)
    seconds, valid_acc, test_acc = sklearn_fit('linear', splits, splits.valid, splits.test)
    assert seconds >= 0 and valid_acc >= TARGETS['linear'] and 0.9 < test_acc <= 1


def test_table_and_chart_show_test_accuracy_and_ranges():
    times = {m: [0.001, 0.002, 0.004] for m in methods()}
    races = {k: dict(times=times, test_acc={m: [0.97, 0.99, 1.0] for m in methods()}, target=TARGETS[k]) for k in TARGETS}
    table = race_table(races)
    assert table.count('test accuracy') == 2 and '97.0%–100.0%' in table
    ax = plot_race(races)
    assert ax.get_xscale() == 'log' and len(ax.get_yticklabels()) == len(methods())
    assert [t.get_text() for t in ax.get_yticklabels()] == [LABELS[m] for m in methods()]


def test_methods_leave_out_what_is_not_installed(monkeypatch):
    from threshold_ai import bench
    monkeypatch.setattr(bench, 'find_spec', lambda name: None if name == 'sklearn' else True)
    assert 'sklearn' not in bench.methods() and 'learner' in bench.methods()
    r = bench.race('sigmoid', seeds=[0])
    assert 'sklearn' not in r['times'] and 'fullbatch' in r['times']
