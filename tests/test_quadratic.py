"Checks of threshold_ai.quadratic: the published run reproduced, and the standardised fit reaching least squares"
import math
from threshold_ai.quadratic import speed_data, start_params, Quadratic, least_squares_fit, noise_floor
from threshold_ai.training import train_epoch, fit

PUBLISHED = [74.96194346966999, 36.43029986215973, 22.692756149058336, 19.006926227796704, 18.225665028268686,
             18.073917779669408, 18.04494798288646, 18.039351786874853, 18.03818276871748, 18.037850320630035]

def test_published_run():
    t, y = speed_data()
    m = Quadratic(start_params())
    ours = [math.sqrt(train_epoch(m, [(t, y)], lr=1e-5)) for _ in range(10)]
    assert all(abs(a - b) < 1e-3 for a, b in zip(ours, PUBLISHED))

def test_standardised_fit_reaches_least_squares():
    t, y = speed_data()
    m = Quadratic.from_data(t, start_params())
    h = fit(m, (t, y), (t, y), lr=0.1, epochs=1000)
    _, ls = least_squares_fit(t, y)
    assert not h.failed and abs(math.sqrt(h.valid[-1]) / ls - 1) < 0.01
    assert 0.8 * noise_floor() < ls < 1.2 * noise_floor()
