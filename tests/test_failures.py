"""`explain_failure` (lesson 8a) describes what a failed run did, read from its `History`: grew, bounced, stayed, crept."""
from threshold_ai.all import *


def H(valid, moves=None, stop='stalled', kind='linear', baseline=0.25):
    "A History as `fit` leaves it: `best` is the epoch with the lowest validation loss"
    moves = [0.01] * len(valid) if moves is None else moves
    return History(valid=valid, moves=moves, stop=stop, kind=kind, baseline=baseline,
                   best=min(range(len(valid)), key=valid.__getitem__))


def test_growing_loss_is_said_to_grow():
    why = explain_failure(train_model('linear', lr=1.05, warn=False).history)  # lesson 8: grows 6.1 times in 11 epochs
    assert 'grew 6.1 times in 11 epochs' in why and 'stayed' not in why
    assert 'learning rate is too large' in why and 'epoch 1,' in why  # fit handed back the first epoch, the best


def test_bouncing_loss_gives_its_range():
    h = train_model('linear', lr=1.0, warn=False).history
    why = explain_failure(h)
    assert f'bounced between {min(h.valid[-10:]):.3g} and {max(h.valid[-10:]):.3g}' in why
    assert 'learning rate is too large' in why


def test_each_verb_follows_from_the_history():
    assert 'stayed near 0.5 for 12 epochs' in explain_failure(H([0.5] * 12, moves=[0.] * 12))
    still = explain_failure(H([0.48 - 0.01 * i for i in range(12)]))
    assert 'crept down from 0.48 to 0.37 in 12 epochs, still falling' in still and 'larger learning rate' in still
    stopped = explain_failure(H([0.9, 0.7, 0.5] + [0.44] * 11, moves=[0.1, 0.01] + [1e-4] * 12, kind='sigmoid'))
    assert 'then stopped falling' in stopped and 'smaller weights' in stopped and 'larger learning rate' not in stopped
    grew = explain_failure(H([0.5, 0.8, 1.2, 2.0], moves=[1.] * 4))
    assert 'grew 4.0 times in 4 epochs, from 0.5 to 2' in grew and 'epoch 1, at validation loss 0.5' in grew
    assert 'handed back' not in explain_failure(H([0.5] * 12, moves=[0.] * 12, kind='relu'))  # no better epoch to name
