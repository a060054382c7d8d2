"""Tests for the synthetic demo-data generator."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from stdnum.cn import uscc as stdnum_uscc

from schemas.uscc import organisation_check_character
from scoring.vocabulary import FILING_FIELDS, FUNDING_STAGES, SECTORS
from seed_data.demo import (
    CANDIDATE_COLUMNS,
    COHORT_BY_STAGE,
    FIRM_COLUMNS,
    FISCAL_YEARS,
    FUNDING_COLUMNS,
    HAIDIAN_REGION,
    HISTORY_STREAM,
    HISTORY_YEARS,
    REFERENCE_DATE,
    DemoData,
    candidate_rows,
    generate,
    load,
    scale_rows,
    write,
)
from seed_data.demo.cli import main

FILE_NAMES = ("firms.csv", "filings.csv", "funding_rounds.csv")


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate()


def written_bytes(data: DemoData, out_dir: Path) -> dict[str, bytes]:
    write(data, out_dir)
    return {name: (out_dir / name).read_bytes() for name in FILE_NAMES}


def whole_years(founded: str, on: dt.date = REFERENCE_DATE) -> int:
    born = dt.date.fromisoformat(founded)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def latest_filings(data: DemoData) -> pd.DataFrame:
    latest = data.filings[data.filings["fiscal_year"] == FISCAL_YEARS[-1]]
    return latest.merge(data.firms[["uscc", "stage_hint", "sector"]], on="uscc")


# --- determinism and the committed files -------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = written_bytes(generate(seed=7, n_firms=300), tmp_path / "a")
    second = written_bytes(generate(seed=7, n_firms=300), tmp_path / "b")
    assert first == second


def test_other_seed_gives_other_data(tmp_path: Path) -> None:
    first = written_bytes(generate(seed=7, n_firms=300), tmp_path / "a")
    second = written_bytes(generate(seed=8, n_firms=300), tmp_path / "b")
    assert all(first[name] != second[name] for name in FILE_NAMES)


def test_committed_files_equal_a_fresh_generation(demo: DemoData, tmp_path: Path) -> None:
    fresh = written_bytes(demo, tmp_path)
    committed = resources.files("seed_data").joinpath("demo")
    for name in FILE_NAMES:
        assert committed.joinpath(name).read_bytes() == fresh[name], (
            f"seed_data/demo/{name} has drifted: run python -m seed_data.demo --out seed_data/demo"
        )


def test_load_returns_the_generated_frames(demo: DemoData) -> None:
    loaded = load()
    pd.testing.assert_frame_equal(loaded.firms, demo.firms)
    pd.testing.assert_frame_equal(loaded.filings, demo.filings)
    pd.testing.assert_frame_equal(loaded.funding_rounds, demo.funding_rounds)


def test_load_reads_a_given_folder(tmp_path: Path) -> None:
    data = generate(seed=3, n_firms=60)
    write(data, tmp_path)
    pd.testing.assert_frame_equal(load(tmp_path).filings, data.filings)


def test_committed_readme_says_synthetic() -> None:
    readme = resources.files("seed_data").joinpath("demo", "README.md").read_text("utf-8")
    assert "SYNTHETIC" in readme
    assert "python -m seed_data.demo" in readme


def test_too_few_firms_is_refused() -> None:
    with pytest.raises(ValueError, match="n_firms"):
        generate(n_firms=2)


# --- firms ---------------------------------------------------------------------------------------


def test_frames_have_the_agreed_columns(demo: DemoData) -> None:
    assert tuple(demo.firms.columns) == FIRM_COLUMNS
    assert tuple(demo.filings.columns) == ("uscc", "fiscal_year", *(f.name for f in FILING_FIELDS))
    assert tuple(demo.funding_rounds.columns) == FUNDING_COLUMNS


def test_every_uscc_is_valid_unique_and_in_haidian(demo: DemoData) -> None:
    codes = demo.firms["uscc"].tolist()
    assert len(codes) == 1500
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert stdnum_uscc.validate(code) == code
        assert code[2:8] == HAIDIAN_REGION
        assert code[:2] == "91"
        assert organisation_check_character(code[8:16]) == code[16]
    assert (demo.firms["region"] == HAIDIAN_REGION).all()


def test_every_firm_is_labelled_synthetic(demo: DemoData) -> None:
    assert demo.firms["synthetic"].all()
    assert demo.firms["name_en"].str.startswith("Synthetic ").all()
    assert demo.firms["name"].str.endswith("有限公司").all()
    assert demo.firms["name"].is_unique


def test_stage_mix_is_45_35_20(demo: DemoData) -> None:
    counts = demo.firms["stage_hint"].value_counts().to_dict()
    assert counts == {"start-up": 675, "growth": 525, "established": 300}


def test_ages_fit_the_stage_under_either_age_convention(demo: DemoData) -> None:
    reference = pd.Timestamp(REFERENCE_DATE)
    for stage, lowest, highest in (("start-up", 0, 5), ("growth", 6, 15), ("established", 16, 45)):
        founded = demo.firms.loc[demo.firms["stage_hint"] == stage, "founded_on"]
        ages = [whole_years(f) for f in founded]
        exact = (reference - pd.to_datetime(founded)).dt.days / 365.25
        assert min(ages) >= lowest, stage
        assert max(ages) <= highest, stage
        assert exact.min() >= lowest, stage
        assert exact.max() <= highest + 1, stage
    startups = demo.firms.loc[demo.firms["stage_hint"] == "start-up", "founded_on"]
    assert ((reference - pd.to_datetime(startups)).dt.days / 365.25).max() <= 5.0


def test_sector_spread_covers_the_taxonomy(demo: DemoData) -> None:
    shares = demo.firms["sector"].value_counts(normalize=True)
    assert set(shares.index) == {s.code for s in SECTORS}
    assert 0.03 <= shares["other"] <= 0.10
    assert shares.max() <= 0.15
    for sector, niche in zip(demo.firms["sector"], demo.firms["sub_segment"], strict=True):
        assert niche, sector


def test_some_firms_are_listed_mostly_established(demo: DemoData) -> None:
    listed = demo.firms[demo.firms["listed"]]
    assert 100 <= len(listed) <= 250
    assert set(listed["stage_hint"]) <= {"growth", "established"}
    assert (listed["stage_hint"] == "established").mean() > 0.6


# --- filings -------------------------------------------------------------------------------------


def test_filings_cover_founded_years_only(demo: DemoData) -> None:
    merged = demo.filings.merge(demo.firms[["uscc", "founded_on"]], on="uscc")
    founded_year = merged["founded_on"].str.slice(0, 4).astype(int)
    assert (merged["fiscal_year"] >= founded_year).all()
    assert set(merged["fiscal_year"]) == set(HISTORY_YEARS) | set(FISCAL_YEARS)
    per_firm = merged.groupby("uscc").size()
    expected = demo.firms.set_index("uscc")["founded_on"].str.slice(0, 4).astype(int).clip(
        lower=HISTORY_YEARS[0]).rsub(FISCAL_YEARS[-1] + 1)
    pd.testing.assert_series_equal(per_firm.sort_index(), expected.sort_index(), check_names=False)


def test_filing_invariants_hold(demo: DemoData) -> None:
    f = demo.filings
    pairs = [
        ("main_business_revenue", "revenue"),
        ("export_revenue", "revenue"),
        ("rd_staff", "technical_staff"),
        ("technical_staff", "employees"),
        ("ip_class1_self_developed", "ip_class1"),
        ("ip_class1_high_value", "ip_class1"),
        ("rd_expense", "total_costs"),
    ]
    for small, large in pairs:
        both = f[[small, large]].dropna()
        assert (both[small] <= both[large]).all(), (small, large)
    counts = [fld.name for fld in FILING_FIELDS if fld.kind == "count"]
    assert (f[counts].fillna(0) >= 0).all().all()
    amounts = [fld.name for fld in FILING_FIELDS
               if fld.kind == "amount" and fld.name != "net_profit"]
    assert (f[amounts].fillna(0) >= 0).all().all()
    assert (f["employees"] >= 1).all()
    share = f["segment_market_share"].dropna()
    assert ((share > 0) & (share < 1)).all()
    assert (f["segment_rank"].isna() == f["segment_market_share"].isna()).all()


def test_liabilities_below_assets_mostly(demo: DemoData) -> None:
    both = demo.filings[["total_liabilities", "total_assets"]].dropna()
    below = (both["total_liabilities"] < both["total_assets"]).mean()
    assert 0.95 <= below < 1.0


def test_core_figures_complete_and_some_values_missing(demo: DemoData) -> None:
    core = ["revenue", "net_profit", "total_costs", "total_assets", "rd_expense", "employees",
            "technical_staff", "ip_class1"]
    assert demo.filings[core].notna().all().all()
    for optional in ("export_revenue", "ip_class1_high_value", "tech_transfers"):
        assert 0.0 < demo.filings[optional].isna().mean() < 0.15, optional


def test_revenue_scale_by_stage(demo: DemoData) -> None:
    latest = latest_filings(demo)
    median = latest.groupby("stage_hint")["revenue"].median()
    assert 1e6 <= median["start-up"] <= 5e7
    assert 5e7 <= median["growth"] <= 2e9
    assert 1e9 <= median["established"] <= 2e11
    revenue = latest["revenue"]
    assert (revenue >= 1e11).sum() >= 2
    assert (revenue >= 1e10).sum() >= 20
    zero = latest[revenue == 0]
    assert len(zero) >= 5
    assert set(zero["stage_hint"]) == {"start-up"}


def test_growth_persists_within_firms(demo: DemoData) -> None:
    # Firms founded before 2022 file four full years; a founding year is pro-rated.
    older = demo.firms.loc[demo.firms["founded_on"] < "2022-01-01", "uscc"]
    filings = demo.filings[demo.filings["uscc"].isin(older)
                           & demo.filings["fiscal_year"].isin(FISCAL_YEARS)]
    wide = filings.pivot(index="uscc", columns="fiscal_year", values="revenue").astype("float64")
    wide = wide[(wide > 0).all(axis=1)]
    assert len(wide) > 900
    early = np.log((wide[2024] / wide[2023]).to_numpy())
    late = np.log((wide[2025] / wide[2024]).to_numpy())
    assert np.corrcoef(early, late)[0, 1] > 0.3
    assert (late > np.log(1.5)).mean() > 0.05  # some high-growth firms


def test_history_growth_depends_on_age_and_is_not_deterministic(demo: DemoData) -> None:
    # 2012-2021: young firms grow faster (the simulation's age term), with noise around it.
    filings = demo.filings[demo.filings["fiscal_year"].isin(HISTORY_YEARS)]
    wide = filings.pivot(index="uscc", columns="fiscal_year", values="revenue").astype("float64")
    wide = wide[(wide[[2016, 2017, 2020, 2021]] > 0).all(axis=1)]
    growth = pd.Series(np.log(wide[2021] / wide[2020]), index=wide.index)
    founded = demo.firms.set_index("uscc")["founded_on"].reindex(wide.index).str.slice(0, 4)
    young = founded.astype(int) >= 2015
    assert young.sum() > 50
    assert (~young).sum() > 200
    assert growth[young].median() > growth[~young].median() + 0.05
    persistence = np.corrcoef(np.log(wide[2017] / wide[2016]), growth)[0, 1]
    assert 0.2 < persistence < 0.95


def test_history_leaves_the_recent_years_as_they_were(demo: DemoData) -> None:
    # The history is drawn from its own stream: another history stream leaves 2022-2025 alone.
    recent = demo.filings[demo.filings["fiscal_year"].isin(FISCAL_YEARS)]
    other = generate(history_stream=HISTORY_STREAM + 1)
    other_recent = other.filings[other.filings["fiscal_year"].isin(FISCAL_YEARS)]
    pd.testing.assert_frame_equal(recent.reset_index(drop=True),
                                  other_recent.reset_index(drop=True))
    history = demo.filings[demo.filings["fiscal_year"].isin(HISTORY_YEARS)]
    other_history = other.filings[other.filings["fiscal_year"].isin(HISTORY_YEARS)]
    assert not history["revenue"].reset_index(drop=True).equals(
        other_history["revenue"].reset_index(drop=True))
    pd.testing.assert_frame_equal(other.firms, demo.firms)
    pd.testing.assert_frame_equal(other.funding_rounds, demo.funding_rounds)


def test_rd_intensity_follows_the_sector(demo: DemoData) -> None:
    latest = latest_filings(demo)
    latest = latest[latest["revenue"] > 0]
    intensity = (latest["rd_expense"] / latest["revenue"]).groupby(latest["sector"]).median()
    for hard in ("ic-design", "ai", "life-sciences"):
        assert intensity[hard] > 2 * intensity["new-economy"], hard


def test_ip_grows_with_rd(demo: DemoData) -> None:
    latest = latest_filings(demo)
    rd = np.log1p(latest["rd_expense"].astype(float))
    ip = np.log1p(latest["ip_class1"].astype(float))
    assert np.corrcoef(rd, ip)[0, 1] > 0.5
    assert (latest.loc[latest["stage_hint"] == "start-up", "ip_class1"] == 0).any()


def test_leaders_carry_standards_pct_and_alliances(demo: DemoData) -> None:
    latest = latest_filings(demo).fillna(0)
    by_stage = latest.groupby("stage_hint")[
        ["pct_applications", "standards_national", "alliances_led", "innovation_centres_led"]
    ].mean()
    leaders = by_stage.loc["established"].to_numpy(dtype=float)
    growth = by_stage.loc["growth"].to_numpy(dtype=float)
    startups = by_stage.loc["start-up"].to_numpy(dtype=float)
    assert (leaders > growth).all(), by_stage
    assert (growth >= startups).all(), by_stage


def test_growth_firms_report_niche_share_and_rank(demo: DemoData) -> None:
    latest = latest_filings(demo)
    growth = latest[latest["stage_hint"] == "growth"]
    assert growth["segment_market_share"].notna().mean() > 0.7
    assert 0.1 < (growth["segment_rank"] == 1).mean() < 0.5


# --- funding rounds ------------------------------------------------------------------------------


def test_funding_rounds_are_well_formed(demo: DemoData) -> None:
    rounds = demo.funding_rounds.merge(demo.firms[["uscc", "founded_on", "stage_hint", "listed"]],
                                       on="uscc")
    assert set(rounds["stage"]) <= set(FUNDING_STAGES)
    announced = pd.to_datetime(rounds["announced_on"])
    assert (announced >= pd.to_datetime(rounds["founded_on"])).all()
    assert (announced <= pd.Timestamp(REFERENCE_DATE)).all()
    assert (rounds["amount"] > 0).all()
    startup_stages = set(rounds.loc[rounds["stage_hint"] == "start-up", "stage"])
    assert startup_stages == {"angel", "seed", "series-a", "series-b"}
    growth_stages = set(rounds.loc[rounds["stage_hint"] == "growth", "stage"])
    assert {"series-b", "series-c+", "strategic", "private-equity"} <= growth_stages
    ipo = rounds[rounds["stage"] == "ipo"]
    assert ipo["listed"].all()
    assert set(ipo["uscc"]) == set(demo.firms.loc[demo.firms["listed"], "uscc"])
    valued = rounds["post_money_valuation"].notna()
    assert 0.4 < valued.mean() < 0.9
    assert (rounds.loc[valued, "post_money_valuation"] > rounds.loc[valued, "amount"]).all()


def test_most_startups_have_funding(demo: DemoData) -> None:
    startups = demo.firms.loc[demo.firms["stage_hint"] == "start-up", "uscc"]
    funded = startups.isin(demo.funding_rounds["uscc"]).mean()
    assert 0.75 <= funded <= 0.95


def test_a_dozen_growth_firms_are_unicorns(demo: DemoData) -> None:
    rounds = demo.funding_rounds.merge(demo.firms[["uscc", "stage_hint", "listed"]], on="uscc")
    young = rounds[rounds["stage_hint"] != "established"]
    unicorns = young.loc[young["post_money_valuation"] >= 7.2e9, "uscc"].unique()
    assert len(unicorns) == 12
    stage_of = demo.firms.set_index("uscc")["stage_hint"]
    assert set(stage_of[unicorns]) == {"growth"}


# --- candidate lists -----------------------------------------------------------------------------


def test_candidate_rows_follow_the_column_contract(demo: DemoData) -> None:
    rows = candidate_rows(demo)
    assert tuple(rows.columns) == CANDIDATE_COLUMNS
    expected = demo.filings["fiscal_year"].isin([2023, 2024, 2025]).sum()
    assert len(rows) == expected
    assert not rows.duplicated(["uscc", "fiscal_year"]).any()
    stage_of = demo.firms.set_index("uscc")["stage_hint"]
    assert (rows["cohort"] == stage_of[rows["uscc"]].map(COHORT_BY_STAGE).to_numpy()).all()
    assert set(rows["cohort"]) == {"seed", "hidden-champion", "leader"}


def test_candidate_rows_take_the_asked_years(demo: DemoData) -> None:
    rows = candidate_rows(demo, fiscal_years=(2025,))
    assert set(rows["fiscal_year"]) == {2025}
    assert len(rows) == len(demo.firms)


def test_scale_rows_gives_exactly_n_distinct_valid_firms() -> None:
    rows = scale_rows(5000, seed=11)
    assert len(rows) == 5000
    assert tuple(rows.columns) == CANDIDATE_COLUMNS
    assert rows["uscc"].is_unique
    assert all(stdnum_uscc.is_valid(code) and code[2:8] == HAIDIAN_REGION
               for code in rows["uscc"])
    assert set(rows["fiscal_year"]) == {2025}
    assert (rows["founded_on"] <= "2025-12-31").all()
    assert rows["cohort"].value_counts().to_dict() == {
        "seed": 2250, "hidden-champion": 1750, "leader": 1000}


def test_scale_rows_is_deterministic_and_seeded() -> None:
    pd.testing.assert_frame_equal(scale_rows(500, seed=4), scale_rows(500, seed=4))
    assert not scale_rows(500, seed=4)["uscc"].equals(scale_rows(500, seed=5)["uscc"])


def test_scale_rows_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="n_rows"):
        scale_rows(-1)


@pytest.mark.slow
def test_scale_rows_builds_100k_rows() -> None:
    rows = scale_rows(100_000, seed=1)
    assert len(rows) == 100_000
    assert rows["uscc"].is_unique


def test_command_line_writes_what_generate_gives(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path / "cli"), "--seed", "5", "--n-firms", "60"]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    expected = written_bytes(generate(seed=5, n_firms=60), tmp_path / "api")
    assert {name: (tmp_path / "cli" / name).read_bytes() for name in FILE_NAMES} == expected


def test_natural_keys_are_unique(demo: DemoData) -> None:
    # The loader upserts on these keys; a duplicate would silently merge two records.
    assert not demo.filings.duplicated(["uscc", "fiscal_year"]).any()
    assert not demo.funding_rounds.duplicated(["uscc", "announced_on", "stage"]).any()
    assert set(demo.filings["uscc"]) == set(demo.firms["uscc"])
    assert set(demo.funding_rounds["uscc"]) <= set(demo.firms["uscc"])
