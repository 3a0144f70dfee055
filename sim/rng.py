"""Named random streams: one per decision and year, for common random numbers.

Every draw comes from ``SeedSequence(seed, spawn_key=(decision, key))``, where ``key`` is the
year (or the year combined with a sub-decision number): two scenarios run with the same seed
face the same luck in every decision, so their difference is the policy, not noise. Student
draws are made over the window of student ids of the year, which depends only on the exogenous
entry cohorts, so a student keeps its own random number whatever the others do; teacher draws
are made over all teacher slots. Draws whose count depends on the year's situation (signals of
transfer applicants, new graduates) share a stream but not individual numbers across
scenarios. Mesa's own generator, seeded with the same seed, only orders agent activation.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.random.bit_generator import ISeedSequence

DECISIONS = (
    "county",  # synthetic geography and schools
    "cohorts",  # entrants per village and year
    "students",  # initial family background, left-behind status
    "teachers",  # initial teacher attributes
    "history",  # learning before the first simulated year
    "choice",  # school choice at entry and stage transitions
    "migration",  # moving away from the county
    "learning",  # achievement noise
    "dropout",
    "teacher_exit",
    "teacher_move",
    "recruit",
    "promotion",
    "redeploy",
    "upgrade",
    "rotation",
    "sex",  # each child's sex (appended: earlier streams keep their keys)
    "relocation",  # mid-stage moves to the county seat
)


class Streams:
    """Factory of independent generators keyed by decision name and year."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def generator(self, decision: str, year: int = 0) -> np.random.Generator:
        """``Generator(PCG64(SeedSequence(seed, spawn_key=(decision, year))))``, seeded from the
        same words that SeedSequence would hand it (``spawn_state``) in half the time: a run
        makes some 15 generators a year, and building SeedSequences took 5% of it."""
        return np.random.Generator(self._bits(decision, year))

    def _bits(self, decision: str, year: int) -> np.random.PCG64:
        words = spawn_state(self.seed, DECISIONS.index(decision), int(year))
        # numpy's bit generators take any ISeedSequence; its stubs name SeedSequence alone
        return np.random.PCG64(_Words(words))  # type: ignore[arg-type]

    def uniform(self, decision: str, year: int, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1) as float32 (fast, and precise enough for probabilities)."""
        return self.generator(decision, year).random(n, dtype=np.float32)

    def uniform_at(self, decision: str, year: int, at: np.ndarray) -> np.ndarray:
        """``uniform(decision, year, n)[at]`` for ascending positions ``at``, drawing only from
        the first to the last: the numbers before are skipped with ``PCG64.advance``. Float32
        number ``i`` is half of 64-bit output ``i // 2`` (the low half when ``i`` is even), so
        the draw starts at an even position."""
        if at.size == 0:
            return np.empty(0, np.float32)
        first = int(at[0]) & ~1
        bits = self._bits(decision, year).advance(first // 2)
        return np.random.Generator(bits).random(int(at[-1]) + 1 - first,
                                                dtype=np.float32)[at - first]

    def normal(self, decision: str, year: int, n: int) -> np.ndarray:
        return self.generator(decision, year).standard_normal(n, dtype=np.float32)


# numpy's SeedSequence (numpy/random/bit_generator.pyx, stable by NEP 19): a pool of 4 words
# hashed from the seed, each spawn-key word then mixed into every pool word, and the state
# words hashed out of the pool. The hash multipliers run through a fixed sequence whatever the
# words, so the pool after the seed and the decision is kept, and a year adds 4 mixes.
_MASK = 0xFFFFFFFF
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4


def _uint32_words(n: int) -> list[int]:
    """A non-negative integer as SeedSequence reads it: 32-bit words, least significant first."""
    if n < 0:
        raise ValueError(f"seeds and keys are non-negative integers, not {n}")
    words = []
    while n:
        words.append(n & _MASK)
        n >>= 32
    return words or [0]


def _hash_constants(const: int, mult: int, count: int) -> tuple[tuple[int, int], ...]:
    """The (xor, multiply) constants of ``count`` hashes starting at ``const``: they depend
    only on how many words were hashed before, never on the words."""
    out = []
    for _ in range(count):
        nxt = (const * mult) & _MASK
        out.append((const, nxt))
        const = nxt
    return tuple(out)


_OUTPUT = _hash_constants(_INIT_B, _MULT_B, 2 * _POOL)  # 4 uint64 = 8 words


def _hash(value: int, const: int) -> tuple[int, int]:
    """SeedSequence's ``hashmix``: the hashed word and the next hash constant."""
    const_next = (const * _MULT_A) & _MASK
    value = ((value ^ const) * const_next) & _MASK
    return value ^ (value >> 16), const_next


def _mix(x: int, y: int) -> int:
    """SeedSequence's ``mix`` of a pool word ``x`` with a hashed word ``y``."""
    r = (_MIX_L * x - _MIX_R * y) & _MASK
    return r ^ (r >> 16)


def _mix_in(pool: list[int], const: int, words: list[int]) -> int:
    """Mix each word into every pool word, as SeedSequence adds entropy beyond the pool;
    returns the next hash constant."""
    for word in words:
        for d in range(_POOL):
            hashed, const = _hash(word, const)
            pool[d] = _mix(pool[d], hashed)
    return const


@cache
def _decision_pool(seed: int,
                   decision: int) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """The pool after the seed (padded to the pool size, as a spawn key follows) and the
    decision, with the hash constants of a one-word year."""
    entropy = _uint32_words(seed)
    entropy += [0] * (_POOL - len(entropy))
    const, pool = _INIT_A, []
    for word in entropy[:_POOL]:
        hashed, const = _hash(word, const)
        pool.append(hashed)
    for src in range(_POOL):  # every pool word mixed into every other
        for dst in range(_POOL):
            if src != dst:
                hashed, const = _hash(pool[src], const)
                pool[dst] = _mix(pool[dst], hashed)
    const = _mix_in(pool, const, entropy[_POOL:] + _uint32_words(decision))
    return tuple(pool), _hash_constants(const, _MULT_A, _POOL)


def spawn_state(seed: int, decision: int, year: int) -> np.ndarray:
    """``SeedSequence(seed, spawn_key=(decision, year)).generate_state(4, np.uint64)``."""
    start, year_constants = _decision_pool(seed, decision)
    pool = list(start)
    if 0 <= year <= _MASK:  # one word: its hash constants are kept (``_hash`` inlined)
        for d, (before, after) in enumerate(year_constants):
            value = ((year ^ before) * after) & _MASK
            pool[d] = _mix(pool[d], value ^ (value >> 16))
    else:
        _mix_in(pool, year_constants[0][0], _uint32_words(year))
    out = []
    for i, (before, after) in enumerate(_OUTPUT):
        value = ((pool[i % _POOL] ^ before) * after) & _MASK
        out.append(value ^ (value >> 16))
    # pairs of words, low word first, whatever the machine's byte order (as SeedSequence)
    return np.array(out, "<u4").view("<u8").astype(np.uint64)


class _Words(ISeedSequence):
    """Seed words already worked out, handed to a bit generator as a SeedSequence would."""

    def __init__(self, words: np.ndarray):
        self.words = words

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if np.dtype(dtype) != np.uint64 or n_words != self.words.size:
            raise ValueError("these seed words are PCG64's: 4 uint64")
        return self.words
