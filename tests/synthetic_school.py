"""A synthetic graded school written straight into a course's SQLite tables (no nbgrader run): for report
benchmarks, where what is measured is reading and showing results, not producing them.

Students have an ability on the level scale; each item is answered right with a Rasch probability, and
levels come from the kit's own placement rule (nanglucso.levels), so every figure is what grading would give.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from nanglucso.course import Course, init_course
from nanglucso.framework import load_framework
from nanglucso.levels import load_rule, student_levels
from nanglucso.paths import ITEMS_SUFFIX
from nanglucso.store import Store, item_scores, levels

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Gia", "Bảo", "Ngọc", "Thu", "Đức", "Anh", "Khánh"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hạnh", "Khoa", "Lan", "Linh", "Mai", "Nam", "Nhi", "Phúc",
         "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Vy", "Yến"]


def make_school(root: Path, n_students: int, n_items: int, grades: tuple[int, ...] = (6, 7, 8, 9),
                class_size: int = 40, seed: int = 7) -> Course:
    """A course with ``n_students`` in classes of ``class_size`` over ``grades``, each grade sitting a baseline
    and an end-of-year round of ``n_items`` choice items spread over the 24 competencies."""
    rng = random.Random(seed)
    fw = load_framework()
    rule = load_rule(Path(__file__).resolve().parent.parent / "rubrics")
    course = init_course(root, "bench", school="Trường THCS Thử tải", school_year="2026-2027")
    store = Store(course.db_url)
    comps = [c.code for c in fw.competencies]
    roster, per_grade = [], max(1, n_students // len(grades))
    for g_index, grade in enumerate(grades):
        for k in range(per_grade if g_index < len(grades) - 1 else n_students - per_grade * (len(grades) - 1)):
            full = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            roster.append({"student_id": f"B{grade}{k:05d}", "full_name": full, "family_name": full.rsplit(" ", 1)[0],
                           "given_name": full.rsplit(" ", 1)[1], "birth_date": None,
                           "class_name": f"{grade}A{k // class_size + 1}", "grade": grade, "gender": None})
    store.replace_students(roster)
    score_rows, level_rows = [], []
    for grade in grades:
        expected = fw.rank(fw.expected_level(grade))
        items = []
        for n in range(n_items):
            code = comps[n % len(comps)]
            rank = expected + (n // len(comps)) % 3 - 1  # at, below and above the expected level
            level = fw.level_at(min(max(rank, 1), 6)).code
            items.append({"id": f"{code}-{level.lower()}-{n:03d}", "type": "single_choice", "competency": code,
                          "level": level, "points": 1, "prompt": {"vi": f"Câu {n + 1} về năng lực {code}"}})
        for form, assignment, growth in (("baseline", f"lop{grade}-dau-nam", 0.0),
                                         ("end_of_year", f"lop{grade}-cuoi-nam", 0.5)):
            folder = course.source / assignment
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"bai{ITEMS_SUFFIX}").write_text(json.dumps({"grade": grade, "form": form, "title": assignment,
                                                                   "items": items}, ensure_ascii=False))
            for s in (r for r in roster if r["grade"] == grade):
                ability = expected + random.Random(s["student_id"]).gauss(0.2, 0.9) + growth
                scores = []
                for item in items:
                    p = 1 / (1 + math.exp(-(ability - fw.rank(item["level"])) * 1.7))
                    right = rng.random() < p
                    choice = "a" if right else rng.choice(["b", "c", "d"])
                    scores.append({"assignment": assignment, "student_id": s["student_id"], "item_id": item["id"],
                                   "competency": item["competency"], "level": item["level"],
                                   "score": float(right), "max_score": 1.0, "pending": False,
                                   "answer": json.dumps(choice)})
                score_rows += scores
                level_rows += [{**row, "assignment": assignment, "student_id": s["student_id"]}
                               for row in student_levels(scores, grade, rule, fw)]
    with store.engine.begin() as conn:
        conn.execute(item_scores.insert(), score_rows)
        conn.execute(levels.insert(), level_rows)
    return course
