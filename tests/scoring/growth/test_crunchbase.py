from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.growth.crunchbase import (
    FEATURES,
    build_cohort,
    parse_crunchbase,
)
from scoring.growth.sources import load_crunchbase
from tests.scoring.growth.builders import (
    FIXTURES,
    acquisition,
    company,
    funding,
    read_fixture,
)


def test_fixture_is_in_the_published_format() -> None:
    raw = (FIXTURES / "crunchbase-acquisitions.csv").read_bytes()
    assert b"\r" in raw
    assert b"\n" not in raw
    assert any(byte > 127 for byte in raw)


def test_load_reads_messy_rows_without_crashing() -> None:
    data = load_crunchbase(FIXTURES)
    assert "/company/n-plusn" in data.companies.index  # its name is "#NAME?"
    assert data.companies["founded_at"].isna().any()
    assert data.dropped["rounds"] > 0  # duplicated rounds collapsed
    assert data.dropped["acquisitions"] > 0  # trailing blank rows
    assert not data.rounds.duplicated(["permalink", "funded_at", "round_type"]).any()
    assert len(data.fingerprint) == 64


def test_cohort_has_features_as_of_and_label() -> None:
    cohort = build_cohort(load_crunchbase(FIXTURES))
    assert list(cohort.columns) == [*FEATURES, "as_of", "label"]
    assert cohort["as_of"].dt.year.between(2005, 2010).all()
    assert set(cohort["label"].unique()) == {0, 1}
    assert set(cohort["first_round_type"].unique()) <= {"angel", "series-a"}
    assert cohort["age_missing"].sum() > 0
    for leaky in ("funding_total_usd", "funding_rounds", "status", "last_funding_at"):
        assert leaky not in cohort.columns


def _tables(companies: list[dict[str, str]], rounds: list[dict[str, str]],
            acquisitions: list[dict[str, str]]) -> tuple[pd.DataFrame, ...]:
    acq_columns = ["company_permalink", "acquired_at", "company_category_code"]
    return (pd.DataFrame(companies), pd.DataFrame(rounds),
            pd.DataFrame(acquisitions, columns=acq_columns))


def test_censored_windows_are_dropped_and_counted() -> None:
    companies = [company("/company/a"), company("/company/b"), company("/company/c")]
    rounds = [
        funding("/company/a", "angel", "2010-09-30"),
        funding("/company/a", "series-b", "2013-09-30"),  # exactly at the window's end
        funding("/company/b", "angel", "2010-10-02"),  # window ends after the data end
        funding("/company/c", "series-a", "2009-05-01"),
        funding("/company/c", "series-b", "2012-05-02"),  # one day too late
    ]
    data = parse_crunchbase(*_tables(companies, rounds, []))
    cohort = build_cohort(data)
    assert list(cohort.index) == ["/company/c", "/company/a"]
    assert cohort.attrs["n_censored"] == 1
    assert cohort.loc["/company/a", "label"] == 1
    assert cohort.loc["/company/c", "label"] == 0


def test_exit_label_counts_acquisitions_in_the_window_only() -> None:
    companies = [company("/company/a"), company("/company/b")]
    rounds = [funding("/company/a", "angel", "2006-01-10"),
              funding("/company/b", "angel", "2006-01-10")]
    acquisitions = [acquisition("/company/a", "2010-12-31"),
                    acquisition("/company/b", "2011-02-01")]
    cohort = build_cohort(parse_crunchbase(*_tables(companies, rounds, acquisitions)),
                          label="exit-5y")
    assert cohort["label"].to_dict() == {"/company/a": 1, "/company/b": 0}


def test_venture_only_first_rounds_and_later_stage_first_days_are_left_out() -> None:
    companies = [company("/company/v"), company("/company/b"), company("/company/x")]
    rounds = [funding("/company/v", "venture", "2007-01-01"),
              funding("/company/b", "angel", "2007-01-01"),
              funding("/company/b", "series-b", "2007-01-01"),
              funding("/company/x", "angel", "2007-01-01"),
              funding("/company/x", "venture", "2007-01-01")]
    cohort = build_cohort(parse_crunchbase(*_tables(companies, rounds, [])))
    assert list(cohort.index) == ["/company/x"]
    assert cohort.loc["/company/x", "same_day_rounds"] == 1
    assert cohort.loc["/company/x", "same_day_venture"] == 1


def test_unparseable_dates_and_amounts_do_not_crash() -> None:
    companies = [company("/company/a", founded_at="not a date"), company("/company/b")]
    rounds = [funding("/company/a", "angel", "2007-02-30", "12"),
              funding("/company/a", "angel", "2007-03-01", "abc"),
              funding("/company/b", "series-a", "", "5")]
    cohort = build_cohort(parse_crunchbase(*_tables(companies, rounds, [])))
    assert list(cohort.index) == ["/company/a"]
    assert cohort.loc["/company/a", "amount_missing"] == 1
    assert cohort.loc["/company/a", "age_missing"] == 1


def _later_rows(cutoff: pd.Timestamp, seed: int) -> tuple[list[dict[str, str]], ...]:
    rng = np.random.default_rng(seed)
    span = (pd.Timestamp("2013-09-30") - cutoff).days

    def later() -> str:
        return str((cutoff + pd.Timedelta(days=int(rng.integers(1, span)))).date())

    companies = read_fixture("crunchbase-companies.csv")
    permalinks = list(companies["permalink"])
    new_rounds = [funding(p, str(rng.choice(["angel", "series-a", "series-b", "venture"])),
                          later()) for p in rng.choice(permalinks, 300)]
    new_companies = [company(f"/company/new-{i}", category=c, region=r)
                     for i, (c, r) in enumerate(zip(companies["category_code"].fillna("web")[:50],
                                                    companies["region"][:50], strict=True))]
    new_rounds += [funding(c["permalink"], "angel", later()) for c in new_companies]
    new_acquisitions = [acquisition(p, later(), c) for p, c in
                        zip(permalinks[:80], companies["category_code"].fillna("web")[:80],
                            strict=True)]
    return new_companies, new_rounds, new_acquisitions


@pytest.mark.parametrize("cutoff", ["2007-06-30", "2009-01-01"])
def test_rows_dated_after_the_as_of_date_change_no_feature(cutoff: str) -> None:
    as_of_limit = pd.Timestamp(cutoff)
    companies = read_fixture("crunchbase-companies.csv")
    rounds = read_fixture("crunchbase-rounds.csv")
    acquisitions = read_fixture("crunchbase-acquisitions.csv")
    before = build_cohort(parse_crunchbase(companies, rounds, acquisitions))

    new_companies, new_rounds, new_acquisitions = _later_rows(as_of_limit, seed=1)
    changed = companies.copy()
    # The companies file's "as of October 2013" fields take other values.
    changed["funding_total_usd"] = "999999999"
    changed["funding_rounds"] = "42"
    changed["status"] = "ipo"
    changed["last_funding_at"] = "2013-09-01"
    changed["last_milestone_at"] = "2013-09-01"
    changed = pd.concat([changed, pd.DataFrame(new_companies)], ignore_index=True)
    more_rounds = pd.concat([rounds, pd.DataFrame(new_rounds)], ignore_index=True)
    more_acquisitions = pd.concat([acquisitions, pd.DataFrame(new_acquisitions)],
                                  ignore_index=True)
    after = build_cohort(parse_crunchbase(changed, more_rounds, more_acquisitions))

    known = before[before["as_of"] <= as_of_limit].index
    assert len(known) > 50
    pd.testing.assert_frame_equal(before.loc[known, list(FEATURES)],
                                  after.loc[known, list(FEATURES)])
    # The later rows did reach the data: some labels changed.
    assert (before.loc[known, "label"] != after.loc[known, "label"]).any()


def test_cohort_ignores_row_order() -> None:
    companies = read_fixture("crunchbase-companies.csv")
    rounds = read_fixture("crunchbase-rounds.csv")
    acquisitions = read_fixture("crunchbase-acquisitions.csv")
    first = build_cohort(parse_crunchbase(companies, rounds, acquisitions))
    shuffled = build_cohort(parse_crunchbase(companies.sample(frac=1, random_state=3),
                                             rounds.sample(frac=1, random_state=4),
                                             acquisitions.sample(frac=1, random_state=5)))
    pd.testing.assert_frame_equal(first, shuffled)
