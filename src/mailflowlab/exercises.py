"""Self-checking exercises: one function that tells a learner "correct" or gives a hint."""
from __future__ import annotations


def check(condition: bool, correct: str, hint: str) -> bool:
    """Print a verdict for an exercise and return it.

    `correct` explains why the answer is right; `hint` nudges without giving it away."""
    if condition:
        print(f"✅ Correct! {correct}")
    else:
        print(f"❌ Not yet. Hint: {hint}")
    return bool(condition)
