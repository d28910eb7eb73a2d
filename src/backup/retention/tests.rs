use chrono::{FixedOffset, NaiveDate};
use clap::{CommandFactory, Parser};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as DeError, MapDeserializer};

use super::*;

/// Parses `YYYY-MM-DD HH:MM` as UTC.
fn at(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .unwrap_or_else(|e| panic!("bad test time {s}: {e}"))
        .and_utc()
}

/// Items whose ids are their times, so expectations read as times.
fn items(times: &[&str]) -> Vec<Item> {
    times
        .iter()
        .map(|&t| Item {
            id: t.to_owned(),
            time: at(t),
        })
        .collect()
}

/// Twice a day (02:00, 14:00) from 2023-12-01 to 2026-03-14, then hourly on Sunday 2026-03-15
/// from 00:00 to 12:00: more than two years, several backups per day and per hour.
fn fixture() -> Vec<Item> {
    let days = NaiveDate::from_ymd_opt(2023, 12, 1)
        .unwrap()
        .iter_days()
        .take_while(|d| *d <= NaiveDate::from_ymd_opt(2026, 3, 14).unwrap());
    let twice_daily = days.flat_map(|d| [2, 14].map(|h| d.and_hms_opt(h, 0, 0).unwrap()));
    let last_day = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    let hourly = (0..=12).map(|h| last_day.and_hms_opt(h, 0, 0).unwrap());
    twice_daily
        .chain(hourly)
        .map(|t| Item {
            id: t.format("%Y-%m-%d %H:%M").to_string(),
            time: t.and_utc(),
        })
        .collect()
}

const NOW: &str = "2026-03-15 12:30";

fn run(items: &[Item], policy: &KeepPolicy) -> Vec<Decision> {
    apply(items, at(NOW), &Utc, policy).expect("policy applies")
}

/// The kept decisions as (id, reasons).
fn kept(decisions: &[Decision]) -> Vec<(String, Vec<String>)> {
    decisions
        .iter()
        .filter(|d| d.keep)
        .map(|d| (d.id.clone(), d.reasons.clone()))
        .collect()
}

fn kept_ids(decisions: &[Decision]) -> Vec<String> {
    kept(decisions).into_iter().map(|(id, _)| id).collect()
}

fn expect(entries: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    entries
        .iter()
        .map(|(id, reasons)| {
            (
                (*id).to_owned(),
                reasons.iter().map(|&r| r.to_owned()).collect(),
            )
        })
        .collect()
}

#[test]
fn fixture_spans_more_than_two_years() {
    let all = fixture();
    assert_eq!(all.first().unwrap().id, "2023-12-01 02:00");
    assert_eq!(all.last().unwrap().id, "2026-03-15 12:00");
    assert!(at(NOW) - all[0].time > TimeDelta::days(2 * 366));
}

#[test]
fn decisions_are_newest_first_and_removed_items_have_no_reasons() {
    let policy = KeepPolicy {
        keep_last: Some(2),
        ..KeepPolicy::default()
    };
    let decisions = run(&fixture(), &policy);
    assert_eq!(decisions.len(), fixture().len());
    assert!(decisions.windows(2).all(|w| w[0].time >= w[1].time));
    assert!(decisions.iter().all(|d| d.keep != d.reasons.is_empty()));
}

#[test]
fn keep_last_keeps_the_n_newest() {
    let policy = KeepPolicy {
        keep_last: Some(3),
        ..KeepPolicy::default()
    };
    assert_eq!(
        kept(&run(&fixture(), &policy)),
        expect(&[
            ("2026-03-15 12:00", &["last"]),
            ("2026-03-15 11:00", &["last"]),
            ("2026-03-15 10:00", &["last"]),
        ])
    );
    // More than there are: everything stays.
    let policy = KeepPolicy {
        keep_last: Some(10),
        ..KeepPolicy::default()
    };
    let few = items(&["2026-03-01 00:00", "2026-03-02 00:00"]);
    assert_eq!(kept_ids(&run(&few, &policy)).len(), 2);
}

#[test]
fn keep_hourly_separates_same_hour_on_different_days() {
    let policy = KeepPolicy {
        keep_hourly: Some(3),
        ..KeepPolicy::default()
    };
    let list = items(&[
        "2026-03-01 10:00",
        "2026-03-02 10:00",
        "2026-03-03 10:00",
        "2026-03-03 10:30",
    ]);
    assert_eq!(
        kept(&run(&list, &policy)),
        expect(&[
            ("2026-03-03 10:30", &["hourly"]),
            ("2026-03-02 10:00", &["hourly"]),
            ("2026-03-01 10:00", &["hourly"]),
        ])
    );
    // On the fixture: the three newest hours, all on the hourly last day.
    assert_eq!(
        kept_ids(&run(&fixture(), &policy)),
        ["2026-03-15 12:00", "2026-03-15 11:00", "2026-03-15 10:00"]
    );
}

#[test]
fn keep_daily_separates_same_day_of_month_in_different_months() {
    let policy = KeepPolicy {
        keep_daily: Some(3),
        ..KeepPolicy::default()
    };
    let list = items(&[
        "2026-01-15 08:00",
        "2026-02-15 08:00",
        "2026-03-15 08:00",
        "2026-03-15 09:00",
    ]);
    assert_eq!(
        kept_ids(&run(&list, &policy)),
        ["2026-03-15 09:00", "2026-02-15 08:00", "2026-01-15 08:00"]
    );
    // Same day of the year in different years, too.
    let list = items(&["2024-03-15 08:00", "2025-03-15 08:00"]);
    assert_eq!(kept_ids(&run(&list, &policy)).len(), 2);
}

#[test]
fn keep_weekly_separates_same_iso_week_in_different_years() {
    let policy = KeepPolicy {
        keep_weekly: Some(3),
        ..KeepPolicy::default()
    };
    // Mondays of ISO week 10 in three years, plus a later day of the newest week.
    let list = items(&[
        "2024-03-04 08:00",
        "2025-03-03 08:00",
        "2026-03-02 08:00",
        "2026-03-05 08:00",
    ]);
    assert_eq!(
        kept(&run(&list, &policy)),
        expect(&[
            ("2026-03-05 08:00", &["weekly"]),
            ("2025-03-03 08:00", &["weekly"]),
            ("2024-03-04 08:00", &["weekly"]),
        ])
    );
}

#[test]
fn keep_monthly_separates_same_month_in_different_years() {
    let policy = KeepPolicy {
        keep_monthly: Some(3),
        ..KeepPolicy::default()
    };
    let list = items(&[
        "2024-06-10 08:00",
        "2025-06-10 08:00",
        "2026-06-10 08:00",
        "2026-06-20 08:00",
    ]);
    assert_eq!(
        kept(&run(&list, &policy)),
        expect(&[
            ("2026-06-20 08:00", &["monthly"]),
            ("2025-06-10 08:00", &["monthly"]),
            ("2024-06-10 08:00", &["monthly"]),
        ])
    );
}

#[test]
fn keep_yearly_keeps_the_newest_of_each_year() {
    let policy = KeepPolicy {
        keep_yearly: Some(5),
        ..KeepPolicy::default()
    };
    assert_eq!(
        kept(&run(&fixture(), &policy)),
        expect(&[
            ("2026-03-15 12:00", &["yearly"]),
            ("2025-12-31 14:00", &["yearly"]),
            ("2024-12-31 14:00", &["yearly"]),
            ("2023-12-31 14:00", &["yearly"]),
        ])
    );
}

#[test]
fn daily_weekly_monthly_combined() {
    let policy = KeepPolicy {
        keep_daily: Some(7),
        keep_weekly: Some(4),
        keep_monthly: Some(6),
        ..KeepPolicy::default()
    };
    // 2026-03-15 is a Sunday: ISO weeks end on 03-15, 03-08, 03-01, 02-22.
    assert_eq!(
        kept(&run(&fixture(), &policy)),
        expect(&[
            ("2026-03-15 12:00", &["daily", "weekly", "monthly"]),
            ("2026-03-14 14:00", &["daily"]),
            ("2026-03-13 14:00", &["daily"]),
            ("2026-03-12 14:00", &["daily"]),
            ("2026-03-11 14:00", &["daily"]),
            ("2026-03-10 14:00", &["daily"]),
            ("2026-03-09 14:00", &["daily"]),
            ("2026-03-08 14:00", &["weekly"]),
            ("2026-03-01 14:00", &["weekly"]),
            ("2026-02-28 14:00", &["monthly"]),
            ("2026-02-22 14:00", &["weekly"]),
            ("2026-01-31 14:00", &["monthly"]),
            ("2025-12-31 14:00", &["monthly"]),
            ("2025-11-30 14:00", &["monthly"]),
            ("2025-10-31 14:00", &["monthly"]),
        ])
    );
}

#[test]
fn keep_within_uses_calendar_months() {
    let policy = KeepPolicy {
        keep_within: Some("1mo".parse().unwrap()),
        ..KeepPolicy::default()
    };
    // 2026-03-31 minus one month is 2026-02-28 (clamped), not 30 or 31 days earlier.
    let list = items(&[
        "2026-02-28 11:59",
        "2026-02-28 12:00",
        "2026-02-28 12:01",
        "2026-03-20 00:00",
    ]);
    let decisions = apply(&list, at("2026-03-31 12:00"), &Utc, &policy).unwrap();
    assert_eq!(
        kept(&decisions),
        expect(&[
            ("2026-03-20 00:00", &["within 1mo"]),
            ("2026-02-28 12:01", &["within 1mo"]),
        ])
    );
}

#[test]
fn keep_within_combines_units() {
    let cutoff = |d: &str, now: &str| d.parse::<KeepDuration>().unwrap().before(at(now), &Utc);
    assert_eq!(cutoff("1y6mo", "2026-08-31 00:00"), at("2025-02-28 00:00"));
    assert_eq!(
        cutoff("1y2mo3d4h", "2026-05-10 12:00"),
        at("2025-03-07 08:00")
    );
    assert_eq!(cutoff("2w", "2026-03-10 00:00"), at("2026-02-24 00:00"));
    assert_eq!(cutoff("36h", "2026-03-10 00:00"), at("2026-03-08 12:00"));
    // Absurdly long: everything is within.
    assert_eq!(cutoff("4000000000y", NOW), DateTime::<Utc>::MIN_UTC);
}

#[test]
fn keep_within_months_count_in_the_given_time_zone() {
    // 2026-03-01 00:30 at +02:00 is still February in UTC; one month back is 2026-02-01 00:30 local.
    let plus_two = FixedOffset::east_opt(2 * 3600).unwrap();
    let d: KeepDuration = "1mo".parse().unwrap();
    assert_eq!(
        d.before(at("2026-02-28 22:30"), &plus_two),
        at("2026-01-31 22:30")
    );
}

#[test]
fn newest_is_always_kept() {
    let policy = KeepPolicy {
        keep_within: Some("1h".parse().unwrap()),
        ..KeepPolicy::default()
    };
    let list = items(&["2026-01-01 00:00", "2026-02-01 00:00"]);
    assert_eq!(
        kept(&run(&list, &policy)),
        expect(&[("2026-02-01 00:00", &["newest"])])
    );
    // Kept by a rule: no extra "newest" reason.
    assert_eq!(
        kept(&run(
            &list,
            &KeepPolicy {
                keep_last: Some(1),
                ..KeepPolicy::default()
            }
        )),
        expect(&[("2026-02-01 00:00", &["last"])])
    );
}

#[test]
fn safety_backups_keep_by_their_own_rule() {
    let list = items(&["2026-03-15 10:00", "2026-03-09 12:00", "2026-03-01 00:00"]);
    let policy = KeepPolicy {
        keep_daily: Some(7),
        ..KeepPolicy::default()
    };
    let decisions = apply_safety(&list, at(NOW), &Utc, &policy);
    assert_eq!(
        kept(&decisions),
        expect(&[
            ("2026-03-15 10:00", &["safety within 7d"]),
            ("2026-03-09 12:00", &["safety within 7d"]),
        ])
    );
    assert!(!decisions[2].keep && decisions[2].reasons.is_empty());
    let short = KeepPolicy {
        keep_safety_within: Some("1d".parse().unwrap()),
        ..policy.clone()
    };
    assert_eq!(
        kept_ids(&apply_safety(&list, at(NOW), &Utc, &short)),
        ["2026-03-15 10:00"]
    );
    assert!(short.keep_safety_within.is_some() && !short.is_empty());
    let only_safety = KeepPolicy {
        keep_safety_within: Some("1d".parse().unwrap()),
        ..KeepPolicy::default()
    };
    assert!(
        only_safety.is_empty(),
        "the safety rule alone prunes nothing else"
    );
    assert_eq!(
        only_safety.or_rules_of(&policy),
        KeepPolicy {
            keep_daily: Some(7),
            keep_safety_within: Some("1d".parse().unwrap()),
            ..KeepPolicy::default()
        }
    );
    assert_eq!(KeepPolicy::default().or_rules_of(&short), short);
}

#[test]
fn empty_policy_is_refused() {
    let zeros = KeepPolicy {
        keep_last: Some(0),
        keep_daily: Some(0),
        ..KeepPolicy::default()
    };
    for policy in [KeepPolicy::default(), zeros] {
        assert!(policy.is_empty());
        let error = apply(&fixture(), at(NOW), &Utc, &policy).unwrap_err();
        assert_eq!(error, RetentionError::EmptyPolicy);
        assert_eq!(
            error.to_string(),
            "refusing to prune with no keep rule: give at least one --keep-* option"
        );
    }
    assert!(apply(&[], at(NOW), &Utc, &KeepPolicy::default()).is_err());
    let weekly = KeepPolicy {
        keep_weekly: Some(1),
        ..KeepPolicy::default()
    };
    assert!(!weekly.is_empty());
    assert_eq!(apply(&[], at(NOW), &Utc, &weekly), Ok(Vec::new()));
}

#[test]
fn iso_week_spans_the_year_boundary() {
    // Mon 2026-12-28 .. Sun 2027-01-03 is ISO week 2026-W53; Mon 2027-01-04 starts 2027-W01.
    let list = items(&[
        "2026-12-28 08:00",
        "2026-12-31 08:00",
        "2027-01-01 08:00",
        "2027-01-04 08:00",
    ]);
    let weekly = KeepPolicy {
        keep_weekly: Some(10),
        ..KeepPolicy::default()
    };
    assert_eq!(
        kept_ids(&run(&list, &weekly)),
        ["2027-01-04 08:00", "2027-01-01 08:00"]
    );
    let yearly = KeepPolicy {
        keep_yearly: Some(10),
        ..KeepPolicy::default()
    };
    assert_eq!(
        kept_ids(&run(&list, &yearly)),
        ["2027-01-04 08:00", "2026-12-31 08:00"]
    );
}

#[test]
fn time_zone_decides_the_day() {
    // 23:30 UTC is 01:30 the next day at +02:00.
    let list = items(&["2026-03-10 12:00", "2026-03-10 23:30"]);
    let policy = KeepPolicy {
        keep_daily: Some(5),
        ..KeepPolicy::default()
    };
    assert_eq!(kept_ids(&run(&list, &policy)), ["2026-03-10 23:30"]);
    let plus_two = FixedOffset::east_opt(2 * 3600).unwrap();
    let decisions = apply(&list, at(NOW), &plus_two, &policy).unwrap();
    assert_eq!(
        kept_ids(&decisions),
        ["2026-03-10 23:30", "2026-03-10 12:00"]
    );
}

#[test]
fn durations_parse_and_display() {
    for (input, amounts) in [
        ("7d", [0, 0, 0, 7, 0, 0]),
        ("2w", [0, 0, 2, 0, 0, 0]),
        ("1y6mo", [1, 6, 0, 0, 0, 0]),
        ("36h", [0, 0, 0, 0, 36, 0]),
        ("1y2mo3d4h", [1, 2, 0, 3, 4, 0]),
        ("1y0mo", [1, 0, 0, 0, 0, 0]),
    ] {
        let d: KeepDuration = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(d, KeepDuration { amounts }, "{input}");
    }
    assert_eq!(
        "1y2mo3d4h".parse::<KeepDuration>().unwrap().to_string(),
        "1y2mo3d4h"
    );
    assert_eq!("1y0mo".parse::<KeepDuration>().unwrap().to_string(), "1y");
}

#[test]
fn durations_accept_the_units_people_write() {
    for (input, amounts) in [
        ("30d", [0, 0, 0, 30, 0, 0]),
        ("12h", [0, 0, 0, 0, 12, 0]),
        ("2w", [0, 0, 2, 0, 0, 0]),
        ("6mo", [0, 6, 0, 0, 0, 0]),
        ("6months", [0, 6, 0, 0, 0, 0]),
        ("1month", [0, 1, 0, 0, 0, 0]),
        ("1y", [1, 0, 0, 0, 0, 0]),
        ("2years", [2, 0, 0, 0, 0, 0]),
        ("90min", [0, 0, 0, 0, 0, 90]),
        ("3days12hours", [0, 0, 0, 3, 12, 0]),
        ("1h30min", [0, 0, 0, 0, 1, 30]),
    ] {
        let d: KeepDuration = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(d, KeepDuration { amounts }, "{input}");
    }
    assert_eq!(
        "6months".parse::<KeepDuration>().unwrap().to_string(),
        "6mo"
    );
    assert_eq!(
        "90min".parse::<KeepDuration>().unwrap().to_string(),
        "90min"
    );
    let cutoff = |d: &str| d.parse::<KeepDuration>().unwrap().before(at(NOW), &Utc);
    assert_eq!(cutoff("90min"), at("2026-03-15 11:00"));
    assert_eq!(cutoff("1h30min"), at("2026-03-15 11:00"));
}

#[test]
fn ambiguous_m_is_refused_with_the_units() {
    for input in ["1m", "1y6m", "30m"] {
        assert_eq!(
            input.parse::<KeepDuration>(),
            Err(DurationError::AmbiguousM),
            "{input}"
        );
    }
    let message = "6m".parse::<KeepDuration>().unwrap_err().to_string();
    assert!(
        message.contains("mo for months or min for minutes"),
        "{message}"
    );
    for unit in ["y (years)", "w (weeks)", "d (days)", "h (hours)"] {
        assert!(message.contains(unit), "{message}");
    }
    assert_eq!(
        "2fortnights".parse::<KeepDuration>(),
        Err(DurationError::UnknownUnit("fortnights".into()))
    );
}

#[test]
fn invalid_durations_are_rejected() {
    for (input, error) in [
        ("", DurationError::Empty),
        ("7", DurationError::MissingUnit("7".into())),
        ("d", DurationError::MissingNumber("d".into())),
        ("7x", DurationError::UnknownUnit("x".into())),
        ("7D", DurationError::UnknownUnit("D".into())),
        ("7 d", DurationError::UnknownUnit(" ".into())),
        ("-7d", DurationError::MissingNumber("-7d".into())),
        ("1d1d", DurationError::UnitOrder),
        ("1d1y", DurationError::UnitOrder),
        ("0d", DurationError::Zero),
        ("0y0h", DurationError::Zero),
        (
            "99999999999d",
            DurationError::TooLarge("99999999999".into()),
        ),
    ] {
        assert_eq!(input.parse::<KeepDuration>(), Err(error), "{input:?}");
    }
    assert_eq!(
        "7x".parse::<KeepDuration>().unwrap_err().to_string(),
        "unknown unit `x`: use y (years), mo (months), w (weeks), d (days), h (hours), min (minutes)"
    );
}

#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    keep: KeepPolicy,
}

#[test]
fn clap_flags() {
    Cli::command().debug_assert();
    let cli =
        Cli::try_parse_from(["prune", "--keep-daily", "7", "--keep-within", "1y6mo"]).unwrap();
    assert_eq!(
        cli.keep,
        KeepPolicy {
            keep_daily: Some(7),
            keep_within: Some("1y6mo".parse().unwrap()),
            ..KeepPolicy::default()
        }
    );
    let error = Cli::try_parse_from(["prune", "--keep-within", "7x"]).unwrap_err();
    assert!(error.to_string().contains("unknown unit `x`"), "{error}");
}

#[test]
fn serde_snake_case_and_unknown_fields() {
    // The unknown-field error lists every accepted key, which pins the config names
    // (snake_case, like every other key in the config file).
    let kebab_case = [("keep-daily", 7u32)];
    let error = KeepPolicy::deserialize(MapDeserializer::<_, DeError>::new(kebab_case.into_iter()))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown field `keep-daily`, expected one of `keep_last`, `keep_hourly`, `keep_daily`, \
         `keep_weekly`, `keep_monthly`, `keep_yearly`, `keep_within`, `keep_safety_within`"
    );
    let empty = std::iter::empty::<(&str, u32)>();
    let policy = KeepPolicy::deserialize(MapDeserializer::<_, DeError>::new(empty)).unwrap();
    assert_eq!(policy, KeepPolicy::default());

    let within: Result<KeepDuration, DeError> =
        KeepDuration::deserialize("1y6mo".into_deserializer());
    assert_eq!(within, Ok("1y6mo".parse().unwrap()));
    let bad: Result<KeepDuration, DeError> = KeepDuration::deserialize("7x".into_deserializer());
    assert!(bad.unwrap_err().to_string().contains("unknown unit `x`"));
}
