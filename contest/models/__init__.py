"""All ORM models; importing this package registers every table on Base.metadata."""

from contest.models.attempts import FINISHED, USED, Answer, Attempt, AttemptQuestion, AttemptStatus
from contest.models.audit import AuditEntry, Disqualification
from contest.models.awards import Certificate, PrizeAward, WinnersPublication
from contest.models.banners import ContestBanner
from contest.models.cache import CacheEntry, RateLimitCounter
from contest.models.contests import (
    BlueprintItem,
    Contest,
    ContestStatus,
    OverdueHandling,
    Override,
    Round,
    RoundState,
    contest_units,
)
from contest.models.letters import LetterTemplate
from contest.models.jobs import ExportJob, JobStatus
from contest.models.practice import PracticeAnswer
from contest.models.questions import Choice, PendingImport, Question, QuestionBank, Topic
from contest.models.regrades import Regrade, RegradeAction
from contest.models.unit_prizes import UnitPrizeBloc, UnitPrizeTier, unit_prize_bloc_units
from contest.models.units import StaffMember, Unit, UnitKind
from contest.models.users import MoveStatus, ParticipantGroup, Role, UnitChangeRequest, User

__all__ = [
    "Answer",
    "Attempt",
    "AttemptQuestion",
    "AttemptStatus",
    "FINISHED",
    "USED",
    "OverdueHandling",
    "ParticipantGroup",
    "Override",
    "AuditEntry",
    "BlueprintItem",
    "CacheEntry",
    "Certificate",
    "Choice",
    "Contest",
    "ContestBanner",
    "ContestStatus",
    "Disqualification",
    "ExportJob",
    "JobStatus",
    "LetterTemplate",
    "PendingImport",
    "PracticeAnswer",
    "PrizeAward",
    "Question",
    "RateLimitCounter",
    "Regrade",
    "RegradeAction",
    "QuestionBank",
    "Role",
    "Round",
    "RoundState",
    "StaffMember",
    "Topic",
    "Unit",
    "UnitChangeRequest",
    "MoveStatus",
    "UnitKind",
    "UnitPrizeBloc",
    "UnitPrizeTier",
    "User",
    "WinnersPublication",
    "contest_units",
    "unit_prize_bloc_units",
]
