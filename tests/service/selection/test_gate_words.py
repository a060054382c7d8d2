"""Gates in words: every op, both languages, units, booleans, missing values, rounding."""

from __future__ import annotations

from typing import Any

import pytest

import scoring
from service.selection.shortlists import words


def gate(**fields: Any) -> scoring.scheme.Gate:
    return scoring.scheme.Gate.model_validate({"id": "g", **fields})


SME = gate(id="sme", title="科技型中小企业 — Technology SME", indicator="revenue", op="<",
           value=200_000_000, when_missing="pass")


def test_an_amount_reads_in_yi_yuan_and_millions_with_the_gate_title() -> None:
    said = words.gate_words(SME, passed=True, value=190_000_000.0)
    assert said.title == ("科技型中小企业", "Technology SME")
    assert said.sentence == ("营业收入 1.90 亿元，低于 2 亿元：通过",
                             "Revenue 190 million yuan, below 200 million yuan: passed")
    assert said.line == ("科技型中小企业：营业收入 1.90 亿元，低于 2 亿元：通过",
                         "Technology SME: Revenue 190 million yuan, below 200 million yuan: passed")
    large = words.gate_words(SME, passed=False, value=2_500_000_000.0)
    assert large.sentence == ("营业收入 25.00 亿元，低于 2 亿元：未通过",
                              "Revenue 2.5 billion yuan, below 200 million yuan: failed")


@pytest.mark.parametrize(
    ("op", "zh", "en"),
    [
        ("<", "低于 5 年", "below 5 years"),
        ("<=", "不超过 5 年", "at most 5 years"),
        (">", "高于 5 年", "above 5 years"),
        (">=", "不低于 5 年", "at least 5 years"),
        ("==", "须为 5 年", "must be 5 years"),
        ("!=", "不得为 5 年", "must not be 5 years"),
    ],
)
def test_every_comparison_says_its_threshold_with_the_unit(op: str, zh: str, en: str) -> None:
    age = gate(indicator="age_years", op=op, value=5)
    said = words.gate_words(age, passed=True, value=3.26)
    assert said.said == (f"成立年限 3.3 年，{zh}", f"Age 3.3 years, {en}")


def test_lists_name_sectors_in_the_readers_language() -> None:
    inside = gate(indicator="sector", op="in", value=["ai", "quantum"])
    said = words.gate_words(inside, passed=True, value="ai")
    assert said.said == ("领域 人工智能，须为以下之一：人工智能、量子科学",
                         "Sector Artificial intelligence, must be one of Artificial intelligence, "
                         "Quantum science")
    outside = gate(indicator="sector", op="not-in", value=["fintech-x"])
    assert words.gate_words(outside, passed=True, value="ai").rule == (
        "不得为以下任一：fintech-x", "must be none of fintech-x")


def test_booleans_read_yes_and_no() -> None:
    haidian = gate(id="haidian", title="注册在海淀区 — Registered in Haidian",
                   indicator="in_haidian", op="==", value=True)
    said = words.gate_words(haidian, passed=False, value=False)
    assert said.sentence == ("注册在海淀区：否，须为是：未通过",
                             "Registered in Haidian: no, must be yes: failed")
    # The title is said once when the sentence opens with it.
    assert said.line == said.sentence
    listed = gate(indicator="listed", op="!=", value=True)
    assert words.gate_words(listed, passed=True, value=False).said == (
        "已上市：否，不得为是", "Listed: no, must not be yes")


def test_a_missing_value_says_so_and_whether_the_gate_lets_it_pass() -> None:
    assert words.gate_words(SME, passed=True, value=None).sentence == (
        "营业收入：无数值，无数值时视为通过：通过",
        "Revenue: no value, passes without a value: passed",
    )
    strict = gate(indicator="revenue", op=">=", value=1_000_000_000)
    assert words.gate_words(strict, passed=False, value=None).sentence == (
        "营业收入：无数值，不低于 10 亿元：未通过",
        "Revenue: no value, at least 1 billion yuan: failed",
    )


def test_percentages_counts_and_unknown_indicators() -> None:
    intensity = gate(indicator="rd_intensity", op=">=", value=0.05)
    assert words.gate_words(intensity, passed=True, value=0.0734).said == (
        "研发投入强度 7.3%，不低于 5%", "R&D intensity 7.3%, at least 5%")
    staff = gate(indicator="employees", op="<=", value=500)
    assert words.gate_words(staff, passed=False, value=1234.0).said == (
        "职工总数 1,234，不超过 500", "Employees 1,234, at most 500")
    # A filing field without an English name reads as its Chinese label and its id in words.
    export = gate(indicator="export_revenue", op=">", value=0)
    assert words.gate_words(export, passed=True, value=3e7).said == (
        "出口收入 0.30 亿元，高于 0 亿元", "Export revenue 30 million yuan, above 0 million yuan")
    odd = gate(indicator="some_new_index", op=">", value=1.5)
    assert words.gate_words(odd, passed=True, value=2.345).said == (
        "some_new_index 2.35，高于 1.5", "Some new index 2.35, above 1.5")


def test_rounding_never_hides_which_side_of_the_line_a_value_is_on() -> None:
    young = gate(indicator="age_years", op="<=", value=5)
    # 5.04 would read "5.0 years" against "at most 5": one more decimal shows why it failed.
    assert words.gate_words(young, passed=False, value=5.04).value == ("5.04 年", "5.04 years")
    assert words.gate_words(young, passed=True, value=4.96).value == ("5 年", "5 years")
    line = gate(indicator="revenue", op="<", value=200_000_000)
    assert words.gate_words(line, passed=False, value=200_000_000.0).value == (
        "2.00 亿元", "200 million yuan")
    assert words.gate_words(line, passed=True, value=199_999_000.0).value == (
        "1.99999 亿元", "199.999 million yuan")


def test_an_untitled_gate_falls_back_to_its_rationale_then_its_id() -> None:
    rationale = gate(indicator="age_years", op="<=", value=5, rationale="初创期: young firms")
    assert words.gate_words(rationale, passed=True, value=1.0).title == (
        "初创期: young firms", "初创期: young firms")
    assert words.gate_words(gate(indicator="age_years", op="<=", value=5), passed=True,
                            value=1.0).title == ("g", "g")


def test_gates_in_words_follows_an_explanation_and_skips_unknown_gates() -> None:
    scheme = scoring.Scheme.model_validate({
        "id": "s", "version": 1, "title": "s", "gates": [SME.model_dump()],
        "criteria": [{"id": "c", "indicator": "revenue", "method": "min-max", "weight": 1}],
    })
    said = words.gates_in_words(scheme, [
        {"gate": "sme", "passed": False, "value": 3e8, "reason": "revenue = 3e8 fails < 2e8"},
        {"gate": "gone", "passed": True, "value": 1, "reason": None},
    ])
    assert list(said) == ["sme"]
    assert said["sme"].verdict == ("未通过", "failed")
    assert said["sme"].value == ("3.00 亿元", "300 million yuan")


def test_identifiers_notes_and_raw_values_read_for_people() -> None:
    assert words.named("seed") == ("种子企业100", "Seed 100")
    assert words.named("waitlist") == ("候补", "waitlisted")
    assert words.named("scoring") == ("评审中", "scoring")
    assert words.named("topsis")[1] == "TOPSIS"
    assert words.named("a-new-state") == ("a-new-state", "a-new-state")
    assert words.named(None) == ("—", "—")
    note = "missing: 0 points (policy zero); awaiting ratings: 1 of 3; model: strong funding"
    assert words.note_words(note) == (
        "缺少数值：记 0 分；评分未齐：已评 1 份，共需 3 份；model: strong funding", note)
    assert words.note_words("reviewers disagree (spread 4 > 3)")[0] == (
        "评审意见分歧（极差 4，超过 3）")
    assert words.note_words(
        "missing: pool median used (policy pool-median) = 0.25")[0] == (
        "缺少数值：按合格企业中位数 0.25 计")
    assert words.note_words(None) == ("", "")
    assert [words.reading(v) for v in (7.0, 1234, 0.0834, None, float("nan"))] == [
        "7", "1,234", "0.08", "—", "—"]
    assert words.bilingual("种子企业100 — Seed 100") == ("种子企业100", "Seed 100")
    assert words.bilingual("科技型中小企业评价 (2017)") == ("科技型中小企业评价 (2017)",) * 2
