"""The verdict a grader returns: what a student, the CLI, pytest and the gradebook all read."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Kind = Literal["runtime", "static"]
Status = Literal["pass", "fail", "error"]


@dataclass
class Check:
    """One named check. `root_cause` separates repairs of the cause from the visible symptom."""

    name: str
    kind: Kind
    passed: bool
    message: str = ""
    line: int | None = None
    root_cause: bool = True
    #: False for a static check that could not decide (it passes; the runtime checks judge)
    proven: bool = True
    #: for a runtime check: the student's function it observed; the grader fills `line`
    #: from where that function is defined
    function: str | None = None


@dataclass
class Suppression:
    """A construct that hides the symptom instead of repairing it."""

    name: str
    message: str
    line: int


@dataclass
class Verdict:
    exercise: str
    file: str
    status: Status
    checks: list[Check] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    reason: str = ""
    duration: float = 0.0

    @property
    def root_cause_fixed(self) -> bool:
        if self.status == "error":
            return False
        return not self.suppressions and all(c.passed for c in self.checks if c.root_cause)

    @property
    def symptom_gone(self) -> bool:
        if self.status == "error":
            return False
        symptom = [c for c in self.checks if not c.root_cause]
        return all(c.passed for c in symptom)

    @property
    def max_score(self) -> int:
        return len(self.checks) + 1  # +1: the "no suppression" check

    @property
    def score(self) -> int:
        if self.status == "error":
            return 0
        return sum(c.passed for c in self.checks) + (0 if self.suppressions else 1)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def confirmations(self) -> list[Check]:
        """The passed checks that establish the repair (undecided static checks excluded)."""
        return [c for c in self.checks if c.passed and c.proven and c.root_cause]

    def undecided(self) -> list[Check]:
        return [c for c in self.checks if not c.proven]

    def where(self, line: int | None) -> str:
        return f"{self.file}:{line}" if line else self.file

    def lines(self) -> list[str]:
        """The student-facing explanation, one message per problem."""
        if self.status == "error":
            return [self.reason]
        out = [f"{c.message} ({self.where(c.line)})" if c.line else c.message for c in self.failures()]
        out += [f"{s.message} ({self.where(s.line)})" for s in self.suppressions]
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Verdict":
        """The inverse of to_dict (derived fields are recomputed, not read)."""
        return cls(
            exercise=d["exercise"],
            file=d["file"],
            status=d["status"],
            checks=[
                Check(**{k: c[k] for k in ("name", "kind", "passed", "message", "line", "root_cause")}, proven=c.get("proven", True), function=c.get("function"))
                for c in d["checks"]
            ],
            suppressions=[Suppression(s["name"], s["message"], s["line"]) for s in d["suppressions"]],
            reason=d.get("reason", ""),
            duration=d.get("duration", 0.0),
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(
            root_cause_fixed=self.root_cause_fixed,
            symptom_gone=self.symptom_gone,
            score=self.score,
            max_score=self.max_score,
            duration=round(self.duration, 3),
        )
        for s in d["suppressions"]:
            s["location"] = self.where(s["line"])
        return d


def finalize(verdict: Verdict) -> Verdict:
    """Set the status from the checks; an error status set earlier is kept."""
    if verdict.status != "error":
        ok = all(c.passed for c in verdict.checks) and not verdict.suppressions
        verdict.status = "pass" if ok else "fail"
    return verdict
