"""Coder agreement: character counts, percentage agreement and Cohen's kappa."""

from __future__ import annotations

import pytest

import qualframe as qf
from conftest import write_text
from qualframe.agreement import intersection_length, kappa, union_length


def test_span_arithmetic():
    assert union_length([(0, 10), (5, 15), (20, 25)]) == 20
    assert union_length([(0, 10), (2, 3)]) == 10
    assert intersection_length([(0, 10), (20, 30)], [(5, 25)]) == 10
    assert intersection_length([(0, 5)], [(5, 9)]) == 0


def test_kappa_against_a_hand_worked_example():
    # 100 characters: A codes 40, B codes 30, both 20, neither 50 -> po = 0.70,
    # pe = 0.4*0.3 + 0.6*0.7 = 0.54, kappa = (0.70 - 0.54) / 0.46 = 0.3478
    assert kappa(100, 40, 30, 20) == (70.0, 0.3478)
    assert kappa(100, 0, 0, 0) == (100.0, None)
    assert kappa(100, 40, 40, 40) == (100.0, 1.0)


def test_agreement_in_a_project(project, tmp_path):
    text = "Interviewer: Q?\n\nAna Lee: " + "a" * 60 + "\n\nInterviewer: Q2?\n\nAna Lee: " + "b" * 20 + "\n"
    write_text(tmp_path / "s.txt", text)
    write_text(tmp_path / "other.txt", "Interviewer: Q?\n\nBo Li: Only one coder read this.\n\nInterviewer: Ok.\n\nBo Li: Yes.\n")
    qf.import_files(project, [tmp_path / "s.txt", tmp_path / "other.txt"])
    qf.add_code(project, "T/X", create_parents=True)
    qf.add_code(project, "T/Y")
    start = text.index("a")
    qf.code_text(project, "s", "T/X", start=start, end=start + 40, coder="ana")
    qf.code_text(project, "s", "T/X", start=start + 20, end=start + 50, coder="bea")
    qf.code_text(project, "s", "T/Y", start=start, end=start + 10, coder="ana")
    qf.code_text(project, "other", "T/X", start=0, end=5, coder="ana")  # not double coded: ignored
    rows = {r.code: r for r in qf.coder_agreement(project, "ana", "bea")}
    assert set(rows) == {"T/X", "T/Y"}
    x = rows["T/X"]
    n = len(text)
    assert (x.characters, x.coded_by_a, x.coded_by_b, x.coded_by_both) == (n, 40, 30, 20)
    assert (x.percent_agreement, x.kappa) == kappa(n, 40, 30, 20)
    assert rows["T/Y"].coded_by_b == 0 and rows["T/Y"].kappa == 0.0
    with pytest.raises(qf.NotFound, match="no coder named 'cy'"):
        qf.coder_agreement(project, "ana", "cy")
