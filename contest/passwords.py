"""Password hashing (Argon2id by default) and the password policy (zxcvbn).

New passwords are hashed with Argon2id at the first parameters the OWASP Password Storage Cheat
Sheet lists (19 MiB of memory, 2 iterations, 1 lane): about 20–25 ms of one core a login on this
project's machine (BENCHMARKS.md, login timing), where scrypt at OWASP's minimum (N = 2^17, r = 8, p = 1,
or its listed equivalents) takes 170–380 ms. Hashes of other methods (werkzeug's scrypt of earlier
releases, the test suite's cheap PBKDF2) still verify: each names its own method and parameters.

The policy follows NIST SP 800-63B: at least 8 characters, no composition
rules, but a password that a guessing attack would find early is refused —
zxcvbn estimates that, with a bundled list of common Vietnamese passwords
added to its dictionaries — and so is one that holds the account's own phone
number, CCCD, e-mail or name.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import Path

from flask import current_app, has_app_context
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn
from zxcvbn.matching import add_frequency_lists

from question_bank.text import ascii_digits, fold

DEFAULT_METHOD = "argon2id"
# OWASP Password Storage Cheat Sheet, Argon2id: m = 19 MiB, t = 2, p = 1.
ARGON2 = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
# zxcvbn's 0–4 scale; 3 is "safely unguessable": about 10^8 guesses or more.
MIN_PASSWORD_SCORE = 3
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords_vi.txt"


def _common_passwords() -> list[str]:
    lines = (line.strip() for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines())
    return list(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


add_frequency_lists({"vietnamese_common": _common_passwords()})


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD) if has_app_context() else DEFAULT_METHOD


def _hash(password: str, method: str) -> str:
    """`password` hashed with `method`: "argon2id", or any method werkzeug knows ("scrypt", "pbkdf2:sha256:1000")."""
    return ARGON2.hash(password) if method == "argon2id" else generate_password_hash(password, method=method)


def hash_password(password: str) -> str:
    return _hash(password, _hash_method())


def verify_password(password_hash: str, password: str) -> bool:
    if password_hash.startswith("$argon2"):
        try:
            return ARGON2.verify(password_hash, password)  # the parameters stored in the hash apply
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(password_hash, password)


_dummy_hashes: dict[str, str] = {}


def verify_nothing(password: str) -> None:
    """The work of one verification against a hash no password matches, for a login naming no account:
    an unknown account then answers in the same time as a known one with a wrong password."""
    method = _hash_method()
    if method not in _dummy_hashes:  # a constant per hashing method, computed once per process
        _dummy_hashes[method] = _hash(secrets.token_hex(16), method)
    verify_password(_dummy_hashes[method], password)


# What zxcvbn found, in words a user can act on.
_PATTERN_REASONS = {
    "dictionary": "“{token}” là mật khẩu hoặc từ rất phổ biến",
    "sequence": "“{token}” là một dãy liên tiếp",
    "repeat": "“{token}” lặp lại ký tự",
    "spatial": "“{token}” là các phím liền nhau trên bàn phím",
    "date": "“{token}” là một ngày tháng",
    "regex": "“{token}” là một năm",
}


def _canonical(password: str) -> str:
    """What a password is made of, for judging it: compatibility forms folded (full-width Ｐ is P),
    invisible format characters (zero-width spaces) dropped, every digit in ASCII."""
    text = unicodedata.normalize("NFKC", password)
    return ascii_digits("".join(c for c in text if unicodedata.category(c) != "Cf"))


def _personal_labels(password: str, full_name: str | None, phone: str | None, cccd: str | None,
                     email: str | None) -> list[str]:
    """What of the account the password holds ("số điện thoại", "họ tên"…), separators ignored."""
    digits = re.sub(r"[^0-9]", "", password)
    runs = re.findall(r"[a-z]+", fold(password))
    letters = "".join(runs)
    held = []
    if phone and (phone in digits or phone.lstrip("0") in digits):
        held.append("số điện thoại")
    if cccd and cccd in digits:
        held.append("số CCCD")
    if email:
        local = "".join(re.findall(r"[a-z]+", fold(email.split("@")[0])))
        if len(local) >= 4 and local in letters:
            held.append("địa chỉ email")
    words = re.findall(r"[a-z]+", fold(full_name or ""))
    # The whole name, or its given names together ("xuanthuy"), anywhere; one name word of 4 letters or
    # more only as a word of its own, so that "huyen" does not refuse "thuyen".
    joined = ["".join(words[i:]) for i in range(len(words) - 1)]
    if any(len(j) >= 6 and j in letters for j in joined) or any(len(w) >= 4 and w in runs for w in words):
        held.append("họ tên")
    return held


def password_problems(
    password: str, *, full_name: str | None = None, phone: str | None = None, cccd: str | None = None,
    email: str | None = None,
) -> list[str]:
    """Every reason to refuse `password` as a new password of the account described (empty: accepted)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Mật khẩu dài tối đa {MAX_PASSWORD_LENGTH} ký tự."]
    canonical = _canonical(password)
    held = _personal_labels(canonical, full_name, phone, cccd, email)
    problems = [f"Mật khẩu không được chứa {label} của bạn." for label in held]
    personal = [value for value in (full_name, phone, cccd, email) if value]
    result = zxcvbn(canonical, user_inputs=personal + fold(full_name or "").split())
    if result["score"] < MIN_PASSWORD_SCORE and not held:
        reasons = [
            _PATTERN_REASONS[match["pattern"]].format(token=match["token"])
            for match in result["sequence"]
            if match["pattern"] in _PATTERN_REASONS
        ]
        why = f" ({'; '.join(dict.fromkeys(reasons))})" if reasons else ""
        problems.append(
            f"Mật khẩu quá dễ đoán{why}. Hãy dùng một cụm dài hơn, khó đoán hơn, "
            "ví dụ ba bốn từ ghép với nhau kèm chữ số hoặc ký hiệu."
        )
    return problems
