"""Rank the candidates for "Đại sứ số học đường" by the school's policy: a pure function of its inputs.

The rules (each is also written, in Vietnamese, in rubrics/dai_su_so.yaml):

* Gates (the policy's ``dieu_kien``): a candidate who fails one is not ranked, and is told why.
  - khung_nang_luc: at the expected level of the pupil's *current* grade in at least the policy's share of
    the domains assessed (the caller passes one assessment's levels per pupil, normally the latest).
  - dao_duc_so: conduct rating at least the policy's minimum, the homeroom teacher's attestation (if the
    policy asks for it), and none of the listed ethics/safety competencies assessed below the expected level.
  - tu_nguyen, dong_y_cha_me: the pupil volunteers; a parent consents.
* Scores, each on 0..1:
  - khung_nang_luc: share of the assessed domains at the expected level.
  - dao_duc_so: ½ × conduct (Tốt 1, Khá ⅔, Đạt ⅓, Chưa đạt 0) + ½ × share of the listed competencies assessed
    that are at the expected level (conduct alone when none of them was assessed).
  - ky_nang ("from basic to advanced"): per assessed competency, levels above the expected one, capped at
    ``bac_vuot_toi_da`` and divided by it; the mean over the competencies assessed (unplaced counts 0).
  - guong_mau, ket_noi, hoc_hoi: each rater's score (several from one rater: their mean), the mean over raters,
    scaled from the rubric's lowest..highest point to 0..1. Not rated yet: 0, and flagged.
* Total = Σ weight × score over the weighted criteria. Totals and scores are compared rounded to 9 decimals,
  so equal sums reached by different float paths count as ties.
* Order: total, then the policy's tie-break criteria, then the Vietnamese class-list order of the name
  (given name, then family names), then the student id. Input order never matters.
* Quotas: in each class the first ``moi_lop`` eligible candidates whose total reaches ``diem_toi_thieu`` are
  nominated; then at most ``toan_truong`` of the nominated are selected, each class's best first when
  ``uu_tien_moi_lop_mot`` is set, the rest in the order above.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from math import fsum
from statistics import fmean
from typing import Any

import pandas as pd

from .ambassador_policy import CONDUCT, CRITERIA, RUBRIC, SCORED, Policy, policy_fingerprint, vn_number, with_weights
from .framework import Framework, load_framework
from .text import class_list_key, vn_key

_DIGITS = 9  # comparison precision for totals and scores


@dataclass(frozen=True)
class Candidate:
    """A pupil who may become an ambassador, with the evidence kept outside the assessments."""

    student_id: str
    full_name: str
    class_name: str
    grade: int
    volunteers: bool = False
    parent_consent: bool = False
    homeroom_attestation: bool = False
    conduct: str | None = None  # Tốt, Khá, Đạt, Chưa đạt; None: not entered yet

    def __post_init__(self) -> None:
        if self.conduct is not None and self.conduct not in CONDUCT:
            raise ValueError(f"{self.student_id}: kết quả rèn luyện '{self.conduct}' không hợp lệ; "
                             f"chọn một trong: {', '.join(reversed(CONDUCT))}")


@dataclass(frozen=True)
class Rating:
    student_id: str
    rater: str
    criterion: str
    score: float


@dataclass(frozen=True)
class Gate:
    criterion: str
    passed: bool
    reasons: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return CRITERIA[self.criterion]


@dataclass(frozen=True)
class Score:
    criterion: str
    value: float  # 0..1
    weight: float  # 0: shown, not counted
    detail: str  # how the value came about, in Vietnamese

    @property
    def name(self) -> str:
        return CRITERIA[self.criterion]

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Disagreement:
    """Raters far apart on one candidate and criterion: the committee should talk it over."""

    student_id: str
    full_name: str
    criterion: str
    scores: tuple[tuple[str, float], ...]  # (rater, score), by rater name

    @property
    def spread(self) -> float:
        values = [s for _, s in self.scores]
        return max(values) - min(values)

    def message(self) -> str:
        who = ", ".join(f"{r} {vn_number(s)}" for r, s in self.scores)
        return (f"{self.full_name}: điểm tiêu chí {CRITERIA[self.criterion]} lệch {vn_number(self.spread)} "
                f"({who}), cần thảo luận")


@dataclass(frozen=True)
class Outcome:
    """One candidate's breakdown: gates, scores, rank, decision and the reason in plain Vietnamese."""

    candidate: Candidate
    gates: tuple[Gate, ...]
    scores: tuple[Score, ...]
    total: float
    class_rank: int | None  # among the eligible of the class; None when a gate failed
    school_rank: int | None  # among the eligible of the school
    selected: bool
    reason: str
    flags: tuple[str, ...] = ()  # missing or disputed ratings

    @property
    def student_id(self) -> str:
        return self.candidate.student_id

    @property
    def eligible(self) -> bool:
        return all(g.passed for g in self.gates)

    def score(self, criterion: str) -> Score:
        return next(s for s in self.scores if s.criterion == criterion)


@dataclass(frozen=True)
class Ranking:
    outcomes: tuple[Outcome, ...]  # by class, then class rank, then the ineligible in class-list order
    disagreements: tuple[Disagreement, ...]
    policy_fingerprint: str

    @property
    def selected_ids(self) -> tuple[str, ...]:
        return tuple(o.student_id for o in self.outcomes if o.selected)

    def outcome(self, student_id: str) -> Outcome:
        return next(o for o in self.outcomes if o.student_id == student_id)

    def by_class(self) -> dict[str, list[Outcome]]:
        out: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            out[o.candidate.class_name].append(o)
        return dict(out)

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate with Vietnamese headers, for a table on screen or in Excel."""
        rows = []
        for o in self.outcomes:
            row: dict[str, Any] = {"Lớp": o.candidate.class_name, "Mã học sinh": o.student_id,
                                   "Họ và tên": o.candidate.full_name, "Đủ điều kiện": "Có" if o.eligible else "Không"}
            for s in o.scores:
                if s.weight > 0:
                    row[f"{s.name} (×{vn_number(s.weight)})"] = round(s.value, 3)
            row |= {"Tổng điểm": round(o.total, 3), "Hạng trong lớp": o.class_rank,
                    "Hạng toàn trường": o.school_rank, "Được chọn": "Có" if o.selected else "Không",
                    "Lí do": o.reason, "Cần lưu ý": "; ".join(o.flags)}
            rows.append(row)
        return pd.DataFrame(rows)


# --- evaluation: everything that does not depend on the weights --------------------------------------------


@dataclass
class _Evaluated:
    candidate: Candidate
    gates: tuple[Gate, ...]
    values: dict[str, tuple[float, str]]  # criterion -> (0..1, detail)
    flags: list[str] = field(default_factory=list)


def _levels_by_student(levels: Iterable[Mapping[str, Any]]) -> dict[str, dict[tuple[str, str], str | None]]:
    out: dict[str, dict[tuple[str, str], str | None]] = defaultdict(dict)
    for row in levels:
        out[row["student_id"]][(row["scope"], row["code"])] = row["level"]
    return out


def _at_expected(level: str | None, expected: str, fw: Framework) -> bool:
    return level is not None and fw.rank(level) >= fw.rank(expected)


def _framework(c: Candidate, lv: dict, policy: Policy, fw: Framework) -> tuple[Gate, tuple[float, str]]:
    expected = fw.expected_level(c.grade)
    domains = {code: level for (scope, code), level in lv.items() if scope == "domain"}
    if not domains:
        reason = "chưa có kết quả đánh giá năng lực số"
        return Gate("khung_nang_luc", False, (reason,)), (0.0, reason)
    ready = sum(_at_expected(level, expected, fw) for level in domains.values())
    share = ready / len(domains)
    need = policy.tieu_chi.khung_nang_luc.ti_le_mien_toi_thieu
    detail = f"đạt bậc mong đợi của khối {c.grade} ({expected}) ở {ready}/{len(domains)} miền đã đánh giá"
    passed = share >= need - 1e-9
    wanted = "tất cả các miền" if need >= 1 else f"ít nhất {vn_number(need * 100)}% số miền"
    return Gate("khung_nang_luc", passed, () if passed else (f"{detail}, cần {wanted}",)), (share, detail)


def _ethics(c: Candidate, lv: dict, policy: Policy, fw: Framework) -> tuple[Gate, tuple[float, str]]:
    rule = policy.tieu_chi.dao_duc_so
    expected = fw.expected_level(c.grade)
    reasons = []
    if c.conduct is None:
        reasons.append("chưa nhập kết quả rèn luyện")
    elif CONDUCT.index(c.conduct) < CONDUCT.index(rule.ren_luyen_toi_thieu):
        reasons.append(f"kết quả rèn luyện {c.conduct}, cần từ {rule.ren_luyen_toi_thieu} trở lên")
    if rule.can_xac_nhan_gvcn and not c.homeroom_attestation:
        reasons.append("chưa có xác nhận của giáo viên chủ nhiệm")
    assessed = [code for code in rule.nang_luc if ("competency", code) in lv]
    below = [code for code in assessed if not _at_expected(lv[("competency", code)], expected, fw)]
    for code in below:
        reasons.append(f"năng lực {code} ({fw.competency(code).name_vi}) chưa đạt bậc {expected} của khối {c.grade}")
    conduct = CONDUCT.index(c.conduct) / (len(CONDUCT) - 1) if c.conduct else 0.0
    if assessed:
        ok = len(assessed) - len(below)
        value = (conduct + ok / len(assessed)) / 2
        detail = (f"rèn luyện {c.conduct or 'chưa nhập'}; {ok}/{len(assessed)} năng lực an toàn, ứng xử "
                  "đạt bậc mong đợi")
    else:
        value, detail = conduct, f"rèn luyện {c.conduct or 'chưa nhập'}; chưa đánh giá năng lực an toàn, ứng xử nào"
    return Gate("dao_duc_so", not reasons, tuple(reasons)), (value, detail)


def _skills(c: Candidate, lv: dict, policy: Policy, fw: Framework) -> tuple[float, str]:
    cap = policy.tieu_chi.ky_nang.bac_vuot_toi_da
    expected = fw.rank(fw.expected_level(c.grade))
    comps = {code: level for (scope, code), level in lv.items() if scope == "competency"}
    if not comps:
        return 0.0, "chưa có kết quả đánh giá năng lực số"
    steps = [max(0, fw.rank(level) - expected) if level else 0 for level in comps.values()]
    above = sum(s > 0 for s in steps)
    value = fmean(min(s, cap) / cap for s in steps)
    return value, f"{above}/{len(comps)} năng lực trên bậc mong đợi (đủ điểm khi vượt {cap} bậc)"


def _rubric(criterion: str, scores: list[tuple[str, float]], policy: Policy) -> tuple[float, str]:
    scale = policy.tieu_chi.rubric(criterion)
    if not scores:
        return 0.0, "chưa có ai đánh giá"
    mean = fmean(s for _, s in scores)
    value = min(1.0, max(0.0, (mean - scale.low) / (scale.high - scale.low)))
    return value, (f"trung bình {vn_number(mean)} trên thang {vn_number(scale.low)}–{vn_number(scale.high)}, "
                   f"{len(scores)} người đánh giá")


def _per_rater(ratings: Iterable[Rating]) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """(student, criterion) -> [(rater, score)] sorted by rater; a rater's repeated scores are averaged."""
    raw: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for r in ratings:
        raw[(r.student_id, r.criterion, r.rater)].append(float(r.score))
    out: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for (sid, crit, rater), values in sorted(raw.items()):
        out[(sid, crit)].append((rater, fsum(sorted(values)) / len(values)))
    return out


def _evaluate(candidates: Iterable[Candidate], levels: Iterable[Mapping[str, Any]], ratings: Iterable[Rating],
              policy: Policy, fw: Framework) -> tuple[list[_Evaluated], list[Disagreement]]:
    lv_all = _levels_by_student(levels)
    rated = _per_rater(ratings)
    evaluated, disputes = [], []
    for c in sorted(candidates, key=lambda c: c.student_id):
        lv = lv_all.get(c.student_id, {})
        fw_gate, fw_value = _framework(c, lv, policy, fw)
        eth_gate, eth_value = _ethics(c, lv, policy, fw)
        conditions = {
            "khung_nang_luc": fw_gate, "dao_duc_so": eth_gate,
            "tu_nguyen": Gate("tu_nguyen", c.volunteers, () if c.volunteers else ("chưa đăng ký tự nguyện tham gia",)),
            "dong_y_cha_me": Gate("dong_y_cha_me", c.parent_consent,
                                  () if c.parent_consent else ("chưa có đồng ý của cha mẹ",)),
        }
        values = {"khung_nang_luc": fw_value, "dao_duc_so": eth_value, "ky_nang": _skills(c, lv, policy, fw)}
        item = _Evaluated(c, tuple(conditions[g] for g in policy.dieu_kien), values)
        for crit in RUBRIC:
            scores = rated.get((c.student_id, crit), [])
            values[crit] = _rubric(crit, scores, policy)
            if policy.trong_so.weighted().get(crit) and len(scores) < policy.so_nguoi_danh_gia_toi_thieu:
                item.flags.append(f"tiêu chí {CRITERIA[crit]}: mới có {len(scores)}/"
                                  f"{policy.so_nguoi_danh_gia_toi_thieu} người đánh giá"
                                  + ("; tạm tính 0 điểm" if not scores else ""))
            if len(scores) >= 2:
                dispute = Disagreement(c.student_id, c.full_name, crit, tuple(scores))
                if dispute.spread >= policy.lech_can_thao_luan - 1e-9:
                    disputes.append(dispute)
                    item.flags.append(dispute.message())
        evaluated.append(item)
    return evaluated, disputes


# --- decision: totals, order, quotas, reasons ----------------------------------------------------------------


def _class_key(name: str) -> tuple:
    digits = "".join(ch for ch in name if ch.isdigit())[:2]
    return (int(digits or 0), vn_key(name))


def _decider(winner: _Evaluated, loser: _Evaluated, policy: Policy) -> str:
    """Which step of the documented order put ``winner`` above ``loser`` when their totals are equal."""
    for crit in policy.thu_tu_khi_bang_diem:
        if round(winner.values[crit][0], _DIGITS) != round(loser.values[crit][0], _DIGITS):
            return f"tiêu chí {CRITERIA[crit]}"
    if class_list_key(winner.candidate.full_name) != class_list_key(loser.candidate.full_name):
        return "thứ tự tên trong danh sách lớp"
    return "mã học sinh"


def _decide(evaluated: list[_Evaluated], policy: Policy, disputes: list[Disagreement]) -> Ranking:
    weights = policy.trong_so.weighted()
    total = {e.candidate.student_id: fsum(w * e.values[c][0] for c, w in weights.items()) for e in evaluated}

    def key(e: _Evaluated) -> tuple:
        return (-round(total[e.candidate.student_id], _DIGITS),
                *(-round(e.values[c][0], _DIGITS) for c in policy.thu_tu_khi_bang_diem),
                class_list_key(e.candidate.full_name), e.candidate.student_id)

    def tie_note(e: _Evaluated, above: _Evaluated) -> str:
        same = round(total[e.candidate.student_id], _DIGITS) == round(total[above.candidate.student_id], _DIGITS)
        return (f" (bằng tổng điểm với {above.candidate.full_name}, xếp sau theo {_decider(above, e, policy)})"
                if same else "")

    eligible = sorted((e for e in evaluated if all(g.passed for g in e.gates)), key=key)
    school_rank = {e.candidate.student_id: i for i, e in enumerate(eligible, start=1)}
    classes: dict[str, list[_Evaluated]] = defaultdict(list)
    for e in eligible:
        classes[e.candidate.class_name].append(e)
    quota = policy.chi_tieu
    reason: dict[str, str] = {}
    class_rank: dict[str, int] = {}
    nominated: list[list[_Evaluated]] = []
    for cls, members in classes.items():
        picked: list[_Evaluated] = []
        for i, e in enumerate(members, start=1):
            sid = e.candidate.student_id
            class_rank[sid] = i
            if total[sid] < policy.diem_toi_thieu - 1e-9:
                reason[sid] = (f"đủ điều kiện nhưng tổng điểm {vn_number(total[sid])} thấp hơn mức tối thiểu "
                               f"{vn_number(policy.diem_toi_thieu)}")
            elif quota.moi_lop is not None and len(picked) >= quota.moi_lop:
                full = (f"lớp {cls} đã đủ {quota.moi_lop} đại sứ" if quota.moi_lop
                        else "chỉ tiêu mỗi lớp là 0 đại sứ")
                note = tie_note(e, picked[-1]) if picked else ""
                reason[sid] = f"đủ điều kiện nhưng {full}; xếp thứ {i} của lớp{note}"
            else:
                picked.append(e)
        nominated.append(picked)

    if quota.uu_tien_moi_lop_mot:
        order = sorted((p[0] for p in nominated if p), key=key) + sorted((e for p in nominated for e in p[1:]),
                                                                         key=key)
    else:
        order = sorted((e for p in nominated for e in p), key=key)
    limit = len(order) if quota.toan_truong is None else quota.toan_truong
    selected = {e.candidate.student_id for e in order[:limit]}
    for pos, e in enumerate(order, start=1):
        sid, cls = e.candidate.student_id, e.candidate.class_name
        if sid in selected:
            reason[sid] = f"được chọn: thứ {class_rank[sid]} của lớp {cls}"
            continue
        if not limit:
            reason[sid] = f"đủ điều kiện, thứ {class_rank[sid]} của lớp {cls}, nhưng chỉ tiêu toàn trường là 0"
            continue
        last = order[limit - 1]
        first = (" (em đứng đầu mỗi lớp được xét trước)"
                 if quota.uu_tien_moi_lop_mot and key(e) < key(last) else "")
        note = tie_note(e, last) if key(last) < key(e) else ""
        reason[sid] = (f"đủ điều kiện, thứ {class_rank[sid]} của lớp {cls}, nhưng toàn trường đã đủ "
                       f"{quota.toan_truong} đại sứ{first}; xếp thứ {pos} trong lượt xét toàn trường{note}")

    outcomes = []
    for e in evaluated:
        sid = e.candidate.student_id
        if sid not in reason:  # a gate failed
            failed = [r for g in e.gates if not g.passed for r in g.reasons]
            reason[sid] = "chưa đủ điều kiện: " + "; ".join(failed)
        scores = tuple(Score(c, e.values[c][0], weights.get(c, 0.0), e.values[c][1]) for c in SCORED)
        outcomes.append(Outcome(e.candidate, e.gates, scores, total[sid], class_rank.get(sid), school_rank.get(sid),
                                sid in selected, reason[sid], tuple(e.flags)))
    outcomes.sort(key=lambda o: (_class_key(o.candidate.class_name), o.class_rank is None, o.class_rank or 0,
                                 class_list_key(o.candidate.full_name), o.student_id))
    return Ranking(tuple(outcomes), tuple(disputes), policy_fingerprint(policy))


def rank(candidates: Iterable[Candidate], levels: Iterable[Mapping[str, Any]], ratings: Iterable[Rating],
         policy: Policy, fw: Framework | None = None) -> Ranking:
    """Gates, scores, order and quotas for every candidate; the same inputs always give the same ranking.

    ``levels`` are rows (student_id, scope, code, level) of one assessment per pupil, usually the latest; the
    expected level is that of the grade each Candidate carries, i.e. the pupil's current grade.
    """
    evaluated, disputes = _evaluate(candidates, levels, ratings, policy, fw or load_framework())
    return _decide(evaluated, policy, disputes)


# --- robustness: does the list survive a ±10% move of one weight? ----------------------------------------------


@dataclass(frozen=True)
class WeightShift:
    criterion: str
    factor: float
    before: float  # the criterion's weight in the policy
    weights: dict[str, float]  # all weights after the shift
    entered: tuple[str, ...]  # student ids selected only after the shift
    left: tuple[str, ...]  # student ids selected only before it

    @property
    def changed(self) -> bool:
        return bool(self.entered or self.left)


@dataclass(frozen=True)
class Robustness:
    selected: tuple[str, ...]
    shifts: tuple[WeightShift, ...]

    @property
    def stable(self) -> bool:
        return not any(s.changed for s in self.shifts)

    def summary(self, names: Mapping[str, str] | None = None) -> list[str]:
        """One Vietnamese line per shift, e.g. 'Đạo đức số ×0,9 (0,2 → 0,18): vào Lê Minh Châu; ra …'."""
        names = names or {}
        lines = []
        for s in self.shifts:
            head = (f"{CRITERIA[s.criterion]} ×{vn_number(s.factor)} "
                    f"({vn_number(s.before)} → {vn_number(s.weights[s.criterion])})")
            if not s.changed:
                lines.append(f"{head}: danh sách không đổi")
                continue
            parts = [f"{label} {', '.join(names.get(i, i) for i in ids)}"
                     for label, ids in (("vào", s.entered), ("ra", s.left)) if ids]
            lines.append(f"{head}: {'; '.join(parts)}")
        return lines


def shifted_weights(weights: Mapping[str, float], criterion: str, factor: float) -> dict[str, float]:
    """``criterion``'s weight × factor, the other weighted criteria scaled so the weights still sum to 1."""
    old = weights[criterion]
    new = min(1.0, old * factor)
    rest = 1.0 - old
    return {c: (new if c == criterion else w * (1.0 - new) / rest) for c, w in weights.items()}


def robustness(candidates: Iterable[Candidate], levels: Iterable[Mapping[str, Any]], ratings: Iterable[Rating],
               policy: Policy, fw: Framework | None = None, step: float = 0.1) -> Robustness:
    """Re-rank with each weighted criterion's weight ×(1−step) and ×(1+step); who enters or leaves the list.

    A criterion carrying the whole weight (1) is skipped: renormalising would bring it straight back.
    """
    evaluated, disputes = _evaluate(candidates, levels, ratings, policy, fw or load_framework())
    base = _decide(evaluated, policy, disputes).selected_ids
    weights = policy.trong_so.weighted()
    shifts = []
    for crit, w in weights.items():
        if w >= 1.0:
            continue
        for factor in (1.0 - step, 1.0 + step):
            moved = shifted_weights(weights, crit, factor)
            now = _decide(evaluated, with_weights(policy, moved), disputes).selected_ids
            shifts.append(WeightShift(crit, factor, w, moved, tuple(i for i in now if i not in base),
                                      tuple(i for i in base if i not in now)))
    return Robustness(base, tuple(shifts))
