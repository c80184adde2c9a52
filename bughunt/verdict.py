"""The verdict a grader returns: what a student, the CLI, pytest and the gradebook all read."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar, Literal

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
    #: which hidden cases the runtime checks used: "public" (a student's self-check, the
    #: same for everyone) or "secret" (derived from an instructor's grading secret)
    cases: str = "public"

    @property
    def root_cause_fixed(self) -> bool:
        """No static check proved the cause still there, no suppression was found, and every
        runtime check of the cause passed on hidden data."""
        if self.status == "error":
            return False
        causes = [c for c in self.checks if c.root_cause]
        return bool(causes) and not self.suppressions and all(c.passed for c in causes)

    @property
    def symptom_gone(self) -> bool:
        """Every runtime check passed: the behaviour on hidden data is right. A hidden or
        silenced symptom is still observed by the probes, so it does not count as gone."""
        if self.status == "error":
            return False
        runtime = [c for c in self.checks if c.kind == "runtime"]
        return bool(runtime) and all(c.passed for c in runtime)

    #: every exercise is worth the same, whatever went wrong
    max_score: ClassVar[int] = 1

    @property
    def score(self) -> int:
        """1 for a pass, 0 otherwise: a file whose root cause is not fixed earns nothing.
        (Sets may give partial credit, see BugSet.award.)"""
        return 1 if self.status == "pass" else 0

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
            cases=d.get("cases", "public"),
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(
            root_cause_fixed=self.root_cause_fixed,
            symptom_gone=self.symptom_gone,
            score=self.score,
            max_score=self.max_score,
            confirmed_by=[c.name for c in self.confirmations()],
            undecided=[c.name for c in self.undecided()],
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


#: why a run produced no verdict, by the sandbox's outcome: the text after "your code ".
#: Here, not in grading, so that reports can use it without importing libcst.
OUTCOME_REASONS = {
    "timeout": "did not finish within {t:g} seconds on the hidden data; look for a loop that never ends "
    "or work that grows too fast",
    "memory": "ran out of memory (limit {mb} MB) on the hidden data; look for arrays that grow without bound",
    "flood": "printed more than {kb} KB of output while being graded; remove the print in a loop",
    "crash": "crashed the Python process ({detail}), for example through runaway recursion or a killed process",
    "exited": "stopped the program itself ({detail}) before grading finished; remove calls to "
    "sys.exit, os._exit or quit from the graded code",
    "internal": "could not be graded: {detail}",
    "tampered": "{detail}, which the exercise cannot produce: the submission interfered with the grading process",
}
