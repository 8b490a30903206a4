#!/usr/bin/env python3
"""Second implementation of Grove's seeded RNG (src/engine/model/rng.ts): FNV-1a stream hash, splitmix32
seeding, xoshiro128**, Box-Muller. Prints the first N normals for (seed, stream) as JSON, so the tests can
show that the TypeScript generator is the documented algorithm and not merely self-consistent.

Usage: grove_rng.py SEED STREAM N
"""
import json
import math
import sys

M32 = 0xFFFFFFFF


def fnv1a32(text):
    h = 0x811C9DC5
    data = text.encode('utf-16-le')  # JavaScript strings are UTF-16 code units
    for i in range(0, len(data), 2):
        h = ((h ^ (data[i] | data[i + 1] << 8)) * 0x01000193) & M32
    return h


class SplitMix32:
    def __init__(self, x):
        self.x = x & M32

    def next(self):
        self.x = (self.x + 0x9E3779B9) & M32
        z = self.x
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
        return z ^ (z >> 16)


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Xoshiro128ss:
    def __init__(self, seed, stream):
        mixer = SplitMix32(seed ^ ((fnv1a32(stream) * 0x27D4EB2D) & M32))
        mixer.next()
        self.s = [mixer.next() for _ in range(4)]
        if not any(self.s):
            self.s[0] = 1

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result


def normals(seed, stream, n):
    rng, out = Xoshiro128ss(seed, stream), []
    while len(out) < n:
        u1 = (rng.next() + 1) / 2**32
        u2 = rng.next() / 2**32
        r = math.sqrt(-2 * math.log(u1))
        out += [r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)]
    return out[:n]


if __name__ == '__main__':
    print(json.dumps(normals(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))))
