#!/usr/bin/env python3
"""Recover a keyceremony passphrase from k share sheets, without keyceremony.

The disaster path (docs/recovery-by-hand.md): Python 3 standard library only,
short enough to audit on paper. It reads share sheets (or files of bare words),
checks each share's Reed-Solomon checksum, combines the shares by Lagrange
interpolation in GF(256), checks the result against shares.json from the
backup if given, and prints the BIP39 passphrase, which opens secret-key.asc:

    python3 recover-passphrase.py --check shares.json s1.txt s2.txt s3.txt > pass
    gpg --pinentry-mode loopback --passphrase-file pass --import secret-key.asc

The passphrase goes to stdout: redirect it to a file on a RAM disk, not a screen.
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = open(os.path.join(HERE, "bip39-english.txt")).read().split()
assert len(WORDS) == 2048, "bip39-english.txt must hold the 2048 BIP39 English words"
INDEX = {w: i for i, w in enumerate(WORDS)}


def fail(msg):
    sys.exit("error: " + msg)


def field(bits, poly):
    """Exponent and logarithm tables of GF(2^bits) with generator x."""
    order = (1 << bits) - 1
    exp, log = [0] * (2 * order), [0] * (order + 1)
    x = 1
    for i in range(order):
        exp[i] = exp[i + order] = x
        log[x] = i
        x <<= 1
        if x >> bits:
            x ^= poly
    return exp, log


# GF(2^11), polynomial x^11 + x^2 + 1: the share checksum.
EXP11, LOG11 = field(11, 0x805)
# GF(2^8), polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d): the sharing.
EXP8, LOG8 = field(8, 0x11D)


def mul11(a, b):
    return 0 if a == 0 or b == 0 else EXP11[LOG11[a] + LOG11[b]]


# Generator (x + a)(x + a^2)(x + a^3), highest degree first.
GEN = [1]
for i in range(1, 4):
    nxt = [0] * (len(GEN) + 1)
    for j, c in enumerate(GEN):
        nxt[j] ^= c
        nxt[j + 1] ^= mul11(c, EXP11[i])
    GEN = nxt


def checksum_ok(symbols):
    r = [0, 0, 0]
    for s in [ord("k"), ord("c"), 1] + symbols[:-3]:
        lead = s ^ r[0]
        r = [r[1], r[2], 0]
        for k in range(3):
            r[k] ^= mul11(lead, GEN[k + 1])
    return r == symbols[-3:]


def mul8(a, b):
    return 0 if a == 0 or b == 0 else EXP8[LOG8[a] + LOG8[b]]


def div8(a, b):
    return 0 if a == 0 else EXP8[LOG8[a] + 255 - LOG8[b]]


# --- reading shares ----------------------------------------------------------
def words_of(path):
    text = open(path).read()
    if not text.lstrip().startswith("KEYCEREMONY SHARE"):
        return text.split()
    pairs = []  # a sheet: lines made only of "N word" pairs
    for line in text.splitlines():
        t = line.split()
        if t and len(t) % 2 == 0 and all(
            t[i].isdigit() and t[i + 1].isalpha() for i in range(0, len(t), 2)
        ):
            pairs += [(int(t[i]), t[i + 1]) for i in range(0, len(t), 2)]
    return [w for _, w in sorted(pairs)]


def lookup(word, pos, path):
    w = word.lower()
    if w in INDEX:
        return INDEX[w]
    hits = [v for v in WORDS if v.startswith(w)] if len(w) >= 4 else []
    if len(hits) == 1:
        return INDEX[hits[0]]
    fail("%s: word %d (%r) is not a BIP39 English word" % (path, pos, word))


def parse_share(path):
    words = words_of(path)
    symbols = [lookup(w, i + 1, path) for i, w in enumerate(words)]
    value_len = {18: 16, 30: 32}.get(len(symbols))
    if value_len is None:
        fail("%s: %d words; a share has 18 or 30" % (path, len(symbols)))
    if not checksum_ok(symbols):
        fail("%s: the checksum fails: a word is wrong, missing or swapped" % path)
    bits = "".join(format(s, "011b") for s in symbols[:-3])
    take = lambda a, n: int(bits[a:a + n], 2)
    if take(0, 4) != 1:
        fail("%s: share format %d; this script reads format 1" % (path, take(0, 4)))
    value = bytes(take(36 + 8 * i, 8) for i in range(value_len))
    return {
        "set": take(4, 20),
        "k": take(24, 4) + 1,
        "n": take(28, 4) + 1,
        "x": take(32, 4) + 1,
        "value": value,
        "path": path,
    }


def combine(shares):
    first = shares[0]
    for s in shares:
        if (s["set"], s["k"], s["n"]) != (first["set"], first["k"], first["n"]):
            fail("share %d is from another set or split" % s["x"])
    xs = [s["x"] for s in shares]
    if len(set(xs)) != len(xs) or 0 in xs:
        fail("a share index is repeated or zero: %s" % xs)
    if len(shares) < first["k"]:
        fail("%d of %d shares given" % (len(shares), first["k"]))
    base, extra = shares[: first["k"]], shares[first["k"]:]

    def at(x, byte):  # the split's polynomial through `base`, evaluated at x
        acc = 0
        for i, si in enumerate(base):
            term = si["value"][byte]
            for j, sj in enumerate(base):
                if i != j:  # Lagrange basis: (x - x_j) / (x_i - x_j); minus is xor
                    term = mul8(term, div8(x ^ sj["x"], si["x"] ^ sj["x"]))
            acc ^= term
        return acc

    # Every share given is used: each one beyond k must lie on the same split.
    for s in extra:
        if any(at(s["x"], b) != s["value"][b] for b in range(len(first["value"]))):
            fail("share %d (%s) disagrees with shares %s: one of them is damaged or "
                 "forged; try leaving out one at a time, with --check"
                 % (s["x"], s["path"], [t["x"] for t in base]))
    secret = [at(0, byte) for byte in range(len(first["value"]))]
    return first["set"], bytes(secret)


def mnemonic(entropy):
    cs_bits = len(entropy) * 8 // 32
    digest = hashlib.sha256(entropy).digest()
    bits = "".join(format(b, "08b") for b in entropy)
    bits += "".join(format(b, "08b") for b in digest)[:cs_bits]
    return " ".join(WORDS[int(bits[i:i + 11], 2)] for i in range(0, len(bits), 11))


def main(argv):
    check = None
    if argv[:1] == ["--check"] and len(argv) > 1:
        check, argv = json.load(open(argv[1])), argv[2:]
    if not argv or argv[0].startswith("-"):
        fail("usage: recover-passphrase.py [--check shares.json] SHARE_FILE...")
    set_id, secret = combine([parse_share(p) for p in argv])
    if check is None:
        sys.stderr.write(
            "WARNING: NOT CHECKED. Without --check shares.json a damaged or forged share\n"
            "gives a wrong passphrase; gpg will then refuse it. Check it if you can.\n")
    else:
        h = hashlib.sha256(
            b"keyceremony share-set check v1\0" + set_id.to_bytes(4, "big") + secret
        ).hexdigest()
        if h != check["check"] or "%05X" % set_id != check["set_id"]:
            fail("the shares do not match the check value in shares.json")
    print(mnemonic(secret))


if __name__ == "__main__":
    main(sys.argv[1:])
