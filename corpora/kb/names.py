"""Fictional names, made from syllables by a seeded generator and never repeated within one
knowledge base, so every fact is about a subject the model cannot know from pre-training and no
question can be answered by the name of another subject."""

from __future__ import annotations

import random

ONSETS = ("b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "qu", "r", "s", "st", "t", "th", "v", "w", "z")
VOWELS = ("a", "e", "i", "o", "u", "ae", "ia", "ou", "ei")
CODAS = ("", "n", "r", "l", "m", "th", "s", "k", "nd", "rt", "ll", "x")
PLACE_ENDINGS = ("moor", "ford", "wick", "holm", "stead", "mere", "haven", "dale", "by", "gate")
COMPANY_ENDINGS = ("Labs", "Systems", "Works", "Group", "Industries")


class Names:
    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def word(self, syllables: int = 2, ending: str = "") -> str:
        """A new capitalised word none of this knowledge base's names has used."""
        while True:
            parts = [self.rng.choice(ONSETS) + self.rng.choice(VOWELS) + self.rng.choice(CODAS) for _ in range(syllables)]
            word = ("".join(parts) + ending).capitalize()
            if word.lower() not in self.used:
                self.used.add(word.lower())
                return word

    def place(self) -> str:
        return self.word(1, self.rng.choice(PLACE_ENDINGS))

    def person(self) -> str:
        return f"{self.word(2)} {self.word(2)}"

    def company(self) -> str:
        return f"{self.word(2)} {self.rng.choice(COMPANY_ENDINGS)}"
