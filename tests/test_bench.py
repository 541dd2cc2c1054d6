"The benchmark module: its pieces give sane figures (no test asserts a wall time), and its command handles bad input."
import json, math, os, shutil, subprocess, sys, tempfile
from pathlib import Path
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


def test_growth_reports_time_floor_and_memory(request):
    "growth's rows: sizes in order, a floor in proportion to the data, memory that grows with it (run beside the rest)"
    g = json.loads(_finished(request).splitlines()[-1])
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


def _weights(m): return [p.detach().clone() for p in m.parameters()]


# Three tests run in processes of their own, started as soon as the tests are collected (tests/conftest.py calls
# start_early), so that their CPU is spent on the other core while this process runs the tests before them: the two
# that run the compiler (importing it and compiling take ~8 s each; each process trains eagerly and with
# compile=True, small n, and prints both models' weights; the one without a compiler also runs the benchmark's
# check) and growth's, which starts a fresh Python of its own.
_TRAIN_BOTH = """
import json, torch
from threshold_ai.training import train_model
taught = train_model('sigmoid', seed=0, n=2000, epochs=30)
fast = train_model('sigmoid', seed=0, n=2000, epochs=30, compile=True)
print(json.dumps({name: dict(epochs=len(m.history.valid), weights=[p.tolist() for p in m.parameters()])
                  for name, m in (('taught', taught), ('fast', fast))}))
"""
_NO_CXX = _TRAIN_BOTH + """
from threshold_ai.stream import _probe  # what the benchmark's compile_problem runs in a fresh process
_probe(stream=dict(n=1000, bs=1000, compile=True))
"""
_GROWTH = "import json; from threshold_ai.stream import growth; print(json.dumps(growth([1000, 100_000])))"
_CODE = {'test_compiled_training_equals_the_taught_one': _TRAIN_BOTH,
         'test_no_cxx_compiler_trains_eagerly_after_one_warning': _NO_CXX,
         'test_growth_reports_time_floor_and_memory': _GROWTH}  # growth starts a fresh Python of its own: ~5 s
# no C++ compiler (inductor reads CXX when it starts) and an empty compile cache, so nothing compiled before is found
# there: the machine of a learner without a compiler
_ENVS = {'test_no_cxx_compiler_trains_eagerly_after_one_warning': {'CXX': '/nonexistent/g++'}}
_RUNS = {}


def start_early(item):
    "Start the process of `item`, if it is one of the three above (tests/conftest.py calls this once collected)"
    if item.name in _CODE and item.name not in _RUNS:
        tmp = tempfile.mkdtemp(prefix='threshold_ai-compile-') if item.name in _ENVS else None  # the empty cache
        env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=tmp, **_ENVS[item.name]) if tmp else None
        _RUNS[item.name] = dict(tmp=tmp, p=subprocess.Popen([sys.executable, '-c', _CODE[item.name]], env=env, text=True,
                                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE))


def stop_early():
    "Stop the processes that still run (a session cut short) and remove their folders; tests/conftest.py calls this"
    for r in _RUNS.values():
        if r['p'].poll() is None: r['p'].kill(); r['p'].wait()
        if r['tmp']: shutil.rmtree(r['tmp'], ignore_errors=True)
    _RUNS.clear()


def _finished(request, stderr=False):
    "What the process of this test printed (and, with `stderr`, what it wrote to stderr), once it has ended well"
    start_early(request.node)  # already under way, unless tests/conftest.py was not used
    p = _RUNS[request.node.name]['p']
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err
    return (out, err) if stderr else out


def _both_runs(request):
    "The taught and the compiled run of this test's process, what it wrote to stderr, and any lines printed after"
    out, err = _finished(request, stderr=True)
    runs = json.loads(out.splitlines()[0])
    return runs['taught'], runs['fast'], err, out.splitlines()[1:]


def test_compiled_training_equals_the_taught_one(request):
    "fit(compile=True) lands on the eager run's weights, in the same number of epochs"
    taught, fast, err, _ = _both_runs(request)
    assert 'CompileWarning' not in err, err  # it compiled: no fallback to eager
    assert fast['epochs'] == taught['epochs']
    for p, q in zip(taught['weights'], fast['weights']):
        assert torch.allclose(torch.tensor(p), torch.tensor(q), rtol=1e-5, atol=1e-6)


def test_no_cxx_compiler_trains_eagerly_after_one_warning(request):
    "Without a C++ compiler: one CompileWarning naming the missing compiler, nothing else, the eager run exactly"
    taught, fast, err, probe = _both_runs(request)
    lines = err.strip().splitlines()  # one line, at the user's call (here line 5 of the `python -c` code)
    assert lines[0].startswith('<string>:5: CompileWarning: compile=True: torch.compile failed') and len(lines) == 1, err
    assert 'No working C++ compiler' in lines[0] and 'install g++ or clang++' in lines[0] and 'training eagerly' in lines[0]
    assert fast == taught
    # the benchmark's check finds the same reason, so that it leaves its compiled rows out
    assert 'No working C++ compiler' in json.loads(probe[-1])['result']['compile_failed']


@pytest.mark.parametrize('kind', ['linear', 'sigmoid', ReluModel])
def test_fused_grad_matches_autograd(kind):
    x, y = make_samples(500, seed=0)
    m = new_model(kind, x, seed=0)
    loss = calc_grad(m, x, y)
    fused_loss, grads = fused_grad(m, x, y)
    assert torch.allclose(fused_loss, loss)
    for p, g in zip(m.parameters(), grads): assert torch.allclose(g, p.grad, atol=1e-6)


@pytest.mark.parametrize('where', ['at torch.compile', 'at the first call'])
def test_compile_failure_falls_back_to_eager_with_one_warning(monkeypatch, where):
    def broken(fn, **kw):
        if where == 'at torch.compile': raise RuntimeError('no C++ compiler found\nmore detail')
        def call(*a, **k): raise RuntimeError('InvalidCxxCompiler: no working C++ compiler\nmore detail')
        return call
    monkeypatch.setattr(torch, 'compile', broken)
    taught = train_model('sigmoid', seed=0, n=500, epochs=5)
    with pytest.warns(CompileWarning) as record:
        fast = train_model('sigmoid', seed=0, n=500, epochs=5, compile=True)
    assert len(record) == 1 and '\n' not in str(record[0].message)
    assert record[0].filename == __file__  # it points at the caller's line, not at the package's insides
    assert 'training eagerly' in str(record[0].message)
    assert all(torch.equal(p, q) for p, q in zip(_weights(taught), _weights(fast)))


def test_stream_train_compiled_falls_back_too(monkeypatch):
    monkeypatch.setattr(torch, 'compile', lambda fn, **kw: (_ for _ in ()).throw(RuntimeError('no compiler')))
    with pytest.warns(CompileWarning):
        m, loss = stream_train(n=30_000, bs=10_000, compile=True)
    m2, loss2 = stream_train(n=30_000, bs=10_000)
    assert loss == loss2 and all(torch.equal(p, q) for p, q in zip(_weights(m), _weights(m2)))


def test_run_benchmark_keeps_the_seeds_asked_for_with_quick(monkeypatch):
    seen = []
    monkeypatch.setattr(bench, 'race', lambda kind, seeds, device: seen.append(list(seeds)) or dict(times={}, target=1))
    for name in ('warm_up', 'growth', 'in_fresh_process', 'cli_seconds', 'allocator_ms'):
        monkeypatch.setattr(bench, name, lambda *a, **k: None)
    bench.run_benchmark(quick=True, seeds=3, log=lambda m: None)
    assert seen == [[0, 1, 2]] * len(TARGETS)
    seen.clear(); bench.run_benchmark(quick=True, log=lambda m: None)
    assert seen == [[0, 1]] * len(TARGETS)  # --quick alone: 2 seeds


def test_command_passes_seeds_and_compile_through(monkeypatch, tmp_path, capsys):
    got = {}
    def fake(quick, seeds, device, log, compile): got.update(quick=quick, seeds=seeds, compile=compile); raise SystemExit(0)
    monkeypatch.setattr(bench, 'run_benchmark', fake)
    with pytest.raises(SystemExit): bench.main(quick=True, seeds=3, compile=True, json_path=str(tmp_path/'r.json'))
    assert got == dict(quick=True, seeds=3, compile=True)


@pytest.mark.parametrize('path', ['/nonexistent/x.json', '.'])
def test_command_checks_the_json_path_before_measuring(monkeypatch, capsys, path):
    monkeypatch.setattr(bench, 'run_benchmark', lambda *a, **k: pytest.fail('measured before checking the path'))
    with pytest.raises(SystemExit) as e: bench.main(quick=True, json_path=path)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('threshold_ai.bench: error: --json_path')


def test_command_keeps_the_figures_when_the_write_fails(monkeypatch, capsys, tmp_path):
    out = tmp_path / 'gone'; out.mkdir()
    races = {k: dict(times={m: [0.001, 0.002] for m in methods()}, target=TARGETS[k]) for k in TARGETS}
    res = dict(machine='test', device='cpu', quick=True, date='today', races=races,
               growth=[dict(n=1000, ms=1., floor_ms=0.1, extra_mb=5., gpu_mb=0.)],
               stream=dict(baseline_mb=200., result=dict(n=10**6, bs=10**5, seconds=1., extra_mb=9., accuracy=1.)))
    def measure(*a, **k): out.rmdir(); return res  # the folder disappears while measuring
    monkeypatch.setattr(bench, 'run_benchmark', measure)
    with pytest.raises(SystemExit) as e: bench.main(quick=True, json_path=str(out/'r.json'))
    cap = capsys.readouterr()
    assert e.value.code == 2 and '| 1,000 | 1.00 |' in cap.out  # the report was printed
    spare = cap.err.strip().splitlines()[-1].rsplit(' ', 1)[-1]
    assert json.loads(Path(spare).read_text())['growth'] == res['growth']; Path(spare).unlink()


def test_report_has_the_compiled_rows_and_the_allocator():
    races = {k: dict(times={m: [0.001, 0.002] for m in methods()}, target=TARGETS[k]) for k in TARGETS}
    grow = [dict(n=10**6, ms=20., floor_ms=0.5, extra_mb=70., gpu_mb=0., fused_ms=30., compiled_ms=1., compile_s=4.)]
    stream = dict(baseline_mb=200., result=dict(n=10**8, bs=10**5, seconds=2., making_s=1.5, extra_mb=9., accuracy=1.))
    fast = dict(stream, result=dict(stream['result'], seconds=1.7, compile=True))
    md = report(dict(machine='t', device='cpu', quick=False, date='d', races=races, growth=grow, stream=stream,
                     stream_compiled=fast,
                     allocator=dict(n=10**7, default_ms=300., tuned_ms=100., env=MALLOC_KEEP)))
    assert '| 1,000,000 | 0.5 | 20.00 | 40.0 | 30.00 | 60.0 | 1.00 | 2.0 | 4.0 |' in md
    assert 'one pass in 2.00 s' in md and 'Streaming, compiled' in md and 'one pass in 1.70 s' in md
    assert 'of which making the samples 1.50 s' in md
    assert '300 ms' in md and 'MALLOC_MMAP_THRESHOLD_' in md
