"""The streams are numpy's: the seed words worked out by ``spawn_state`` are exactly those of
``SeedSequence(seed, spawn_key=(decision, year))``, so every draw is what numpy would draw."""

import numpy as np
import pytest

from sim.rng import DECISIONS, Streams, spawn_state

SEEDS = [0, 1, 7, 2**31, 2**32 - 1, 2**32, 2**40 + 7, 10**30]  # one, two and four words
KEYS = [(0, 0), (3, 2020), (11, 20261), (17, 2**32 - 1), (5, 2**32), (7, 2**64 + 3), (2**33, 5)]


@pytest.mark.parametrize("seed", SEEDS + list(np.random.default_rng(5).integers(0, 2**62, 8)))
def test_seed_words_are_seed_sequences(seed):
    for decision, year in KEYS:
        expected = np.random.SeedSequence(int(seed), spawn_key=(decision, year))
        assert np.array_equal(spawn_state(int(seed), decision, year),
                              expected.generate_state(4, np.uint64)), (seed, decision, year)


def test_draws_are_numpys():
    streams = Streams(12345)
    for name in ("choice", "learning", "relocation"):
        key = (DECISIONS.index(name), 2031)

        def numpy(key=key):
            return np.random.Generator(np.random.PCG64(np.random.SeedSequence(12345,
                                                                              spawn_key=key)))
        assert np.array_equal(streams.uniform(name, 2031, 1001),
                              numpy().random(1001, dtype=np.float32))
        assert np.array_equal(streams.normal(name, 2031, 999),
                              numpy().standard_normal(999, dtype=np.float32))
        assert np.array_equal(streams.generator(name, 2031).integers(0, 9, 99),
                              numpy().integers(0, 9, 99))


def test_streams_differ_by_decision_and_year():
    streams = Streams(3)
    base = streams.uniform("choice", 2030, 50)
    assert not np.array_equal(base, streams.uniform("dropout", 2030, 50))
    assert not np.array_equal(base, streams.uniform("choice", 2031, 50))
    assert not np.array_equal(base, Streams(4).uniform("choice", 2030, 50))


def test_negative_keys_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        spawn_state(-1, 0, 2020)


def test_numbers_at_positions_are_those_of_the_whole_draw():
    streams, rng = Streams(8), np.random.default_rng(2)
    whole = streams.uniform("choice", 12030, 20_001)
    for _ in range(50):
        at = np.unique(rng.integers(rng.integers(0, 20_000), 20_001, rng.integers(1, 300)))
        assert np.array_equal(streams.uniform_at("choice", 12030, at), whole[at])
    assert streams.uniform_at("choice", 12030, np.array([1, 2])).tolist() == whole[1:3].tolist()
    assert streams.uniform_at("choice", 12030, np.empty(0, np.intp)).size == 0
