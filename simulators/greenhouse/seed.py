"""Deterministic, realistic-looking data for the Greenhouse simulator.

Everything comes from a `random.Random` the caller seeds, so one seed gives the same
names, emails, phones and stages every run. Phone numbers use the fictional 555-01xx
range; emails use example domains.
"""

from __future__ import annotations

import random

DEFAULT_STAGES = (
    "Application Review",
    "Phone Screen",
    "Video Interview",
    "Video Interview Completed",
    "Onsite",
    "Offer",
)
# Where seeded applications sit, weighted towards the early stages.
STAGE_WEIGHTS = (40, 20, 15, 10, 10, 5)

DEPARTMENTS: dict[int, str] = {
    40001: "Engineering",
    40002: "Product",
    40003: "Design",
    40004: "Sales",
    40005: "Marketing",
    40006: "Customer Success",
    40007: "People",
    40008: "Finance",
}
OFFICES: dict[int, tuple[str, str]] = {
    50001: ("New York", "New York, NY"),
    50002: ("San Francisco", "San Francisco, CA"),
    50003: ("London", "London, United Kingdom"),
    50004: ("Berlin", "Berlin, Germany"),
    50005: ("Remote", "Remote"),
}

FIRST_NAMES = (
    "Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken",
    "Frances", "Edsger", "Radia", "Donald", "Hedy", "Tim", "Shafi", "Guido", "Anita",
    "John", "Sophie", "Niklaus", "Lynn", "Bjarne", "Evelyn", "James", "Mary", "Leslie",
    "Adele", "Yukihiro", "Carol", "Whitfield", "Joan", "Vint", "Elena", "Ivan", "Amara",
    "Mateo", "Priya", "Kwame", "Ines",
)  # fmt: skip
LAST_NAMES = (
    "Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov",
    "Thompson", "Allen", "Dijkstra", "Perlman", "Knuth", "Lamarr", "Berners-Lee",
    "Goldwasser", "van Rossum", "Borg", "McCarthy", "Wilson", "Wirth", "Conway",
    "Stroustrup", "Boyd", "Gosling", "Kenyon", "Lamport", "Goldberg", "Matsumoto",
    "Shaw", "Diffie", "Clarke", "Cerf", "Okafor", "Petrov", "Nwosu", "García", "Sharma",
    "Mensah", "Moreau",
)  # fmt: skip
COMPANIES = ("Initech", "Globex", "Hooli", "Umbrella Labs", "Stark Industries", "Acme Corp")
TITLES = ("Software Engineer", "Product Manager", "Designer", "Analyst", "Consultant")
LEVELS = ("", "Senior ", "Staff ", "Principal ", "Junior ")
ROLES = (
    ("Backend Engineer", 40001), ("Frontend Engineer", 40001), ("Data Engineer", 40001),
    ("Site Reliability Engineer", 40001), ("Product Manager", 40002),
    ("Product Designer", 40003), ("Account Executive", 40004),
    ("Growth Marketer", 40005), ("Customer Success Manager", 40006),
    ("Recruiter", 40007), ("Financial Analyst", 40008),
)  # fmt: skip
SKILLS = ("Python", "Go", "SQL", "TypeScript", "Kubernetes", "Figma", "Salesforce", "Excel")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower().replace("í", "i").replace("ü", "u") if ch.isalnum())


class NameMaker:
    """People with unique, plausible emails."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[str, int] = {}

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def email(self, first: str, last: str, domain: str | None = None) -> str:
        local = f"{_ascii(first)}.{_ascii(last)}"
        domain = domain or self.rng.choice(EMAIL_DOMAINS)
        key = f"{local}@{domain}"
        count = self.used.get(key, 0) + 1
        self.used[key] = count
        return key if count == 1 else f"{local}{count}@{domain}"

    def phone(self) -> str:
        area = self.rng.choice(("415", "212", "646", "312", "617"))
        number = f"555-01{self.rng.randrange(100):02d}"
        return self.rng.choice((f"({area}) {number}", f"+1 {area}-{number}", f"{area}.{number}"))


def job_fields(rng: random.Random, index: int) -> dict[str, object]:
    role, department = ROLES[index % len(ROLES)]
    level = rng.choice(LEVELS)
    skills = rng.sample(SKILLS, 3)
    notes = (
        f"<p>Join our {level.lower()}{role.lower()} team and build <b>great things</b>.</p>"
        "<ul>" + "".join(f"<li>{skill}</li>" for skill in skills) + "</ul>"
    )
    return {
        "name": f"{level}{role}",
        "requisition_id": f"REQ-{1000 + index}",
        "notes": notes,
        "department_id": department,
        "office_ids": sorted(rng.sample(sorted(OFFICES), rng.choice((1, 1, 2)))),
    }


def pick_stage(rng: random.Random, count: int) -> int:
    """An index into a job's stages, weighted like STAGE_WEIGHTS."""
    weights = STAGE_WEIGHTS[:count] if count <= len(STAGE_WEIGHTS) else [1] * count
    return rng.choices(range(count), weights=weights)[0]


def pick_job_status(rng: random.Random) -> str:
    return rng.choices(("open", "draft", "closed"), weights=(80, 10, 10))[0]
