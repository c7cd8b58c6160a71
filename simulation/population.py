"""Synthetic people: children and adults drawn as needed, each one kept, so that a child comes
back. Generated names, NHS numbers in the 999 range (never issued to patients)."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from simulation.profile import Profile

GIVEN = ("Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Grace", "Evie",
         "Noah", "Oliver", "George", "Leo", "Arthur", "Muhammad", "Harry", "Oscar", "Jack",
         "Theo", "Zara", "Aisha", "Maja", "Kacper", "Tomasz", "Ayaan", "Ibrahim", "Sienna",
         "Ruby", "Poppy", "Reggie", "Finley", "Kai", "Elsie", "Maryam", "Yusuf", "Ella")
FAMILY = ("Ashworth", "Brennan", "Carver", "Dunmore", "Ellery", "Fenwick", "Garside",
          "Holbrook", "Ingham", "Jessop", "Kirkland", "Lindqvist", "Marsden", "Nuttall",
          "Okafor", "Pryce", "Quigley", "Rushworth", "Stainthorpe", "Thorley", "Umerji",
          "Varga", "Whitlock", "Yardley", "Zielinski", "Akhtar", "Bielski", "Chowdhury")
DISTRICTS = ("NG1", "NG2", "NG3", "NG5", "NG6", "NG7", "NG8", "NG9", "NG11")

def nhs_number(rng: random.Random) -> str:
    """A well-formed NHS number in the 999 range, which is never issued (mod 11 check digit)."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


@dataclass
class Child:
    given: str
    family: str
    dob: date
    nhs: str
    postcode: str
    urn: str | None
    home_educated: bool

    def under_18_on(self, day: date) -> bool:
        return (day.year - self.dob.year
                - ((day.month, day.day) < (self.dob.month, self.dob.day))) < 18

    def subject(self, **extra: Any) -> dict[str, Any]:
        subject = {"role": "child", "given_name": self.given, "family_name": self.family,
                   "date_of_birth": self.dob.isoformat(), "nhs_number": self.nhs,
                   "postcode": self.postcode, **extra}
        if self.home_educated:
            subject["home_educated"] = True
        elif self.urn is not None:
            subject["school_urn"] = self.urn
        return subject


class Population:
    """Children and adults drawn as needed, each one kept, so that a child comes back."""

    def __init__(self, rng: random.Random, profile: Profile) -> None:
        self.rng = rng
        self.profile = profile
        self.urns = [str(100001 + i) for i in range(profile.schools)]
        self._issued: set[str] = set()  # one number, one synthetic child
        self.secondary = max(1, profile.schools // 3)

    def child(self, on: date, ages: tuple[int, int] = (0, 17)) -> Child:
        rng = self.rng
        age = rng.randint(*ages)
        dob = on - timedelta(days=age * 365 + rng.randrange(365))
        home = rng.random() < self.profile.home_educated and 4 <= age <= 16
        urn = None
        if 4 <= age <= 10:
            urn = self.urns[self.secondary + rng.randrange(len(self.urns) - self.secondary)
                            ] if len(self.urns) > self.secondary else self.urns[0]
        elif 11 <= age <= 17:
            urn = self.urns[rng.randrange(self.secondary)]
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = (f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}"
                    f"{rng.choice(letters)}{rng.choice(letters)}")
        number = nhs_number(rng)
        while number in self._issued:
            number = nhs_number(rng)
        self._issued.add(number)
        return Child(rng.choice(GIVEN), rng.choice(FAMILY), dob, number, postcode, urn, home)

    def adult(self, role: str, family: str, born: int) -> dict[str, Any]:
        return {"role": role, "given_name": self.rng.choice(GIVEN),
                "family_name": family, "date_of_birth": date(born, self.rng.randint(1, 12),
                                                             self.rng.randint(1, 28)).isoformat()}

