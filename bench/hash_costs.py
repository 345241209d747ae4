"""CPU of one password verification for each hash the OWASP Password Storage Cheat Sheet lists, and the old default.

Run: `.venv/bin/python -m bench.hash_costs` (10 verifications of each; prints, BENCHMARKS.md untouched).
werkzeug's `check_password_hash` for the scrypt variants, argon2-cffi (contest/passwords.py ARGON2) for
Argon2id. BENCHMARKS.md, "Login timing", explains the choice.
"""

from __future__ import annotations

import time

from werkzeug.security import check_password_hash, generate_password_hash

from contest.passwords import ARGON2

SCRYPTS = {
    "scrypt:32768:8:1": "werkzeug's default, the old setting; below OWASP's minimum",
    "scrypt:131072:8:1": "OWASP", "scrypt:65536:8:2": "OWASP", "scrypt:32768:8:3": "OWASP",
    "scrypt:16384:8:5": "OWASP", "scrypt:8192:8:10": "OWASP",
}


def cpu_ms(verify, count: int = 10) -> float:
    started = time.process_time()
    for _ in range(count):
        verify()
    return (time.process_time() - started) / count * 1000


def main() -> None:
    for method, note in SCRYPTS.items():
        stored = generate_password_hash("Bench@2026", method=method)
        ms = cpu_ms(lambda: check_password_hash(stored, "Bench@2026"))
        print(f"| {method} ({note}) | {ms:.0f} | {60_000 / ms:,.0f} |")
    stored = ARGON2.hash("Bench@2026")
    ms = cpu_ms(lambda: ARGON2.verify(stored, "Bench@2026"))
    print(f"| {stored.rsplit('$', 2)[0]} (OWASP; configured) | {ms:.0f} | {60_000 / ms:,.0f} |")


if __name__ == "__main__":
    main()
