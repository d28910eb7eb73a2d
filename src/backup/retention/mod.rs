//! Keep-rules for pruning backups: which backups a `--keep-*` policy keeps, and why.
//!
//! Semantics follow restic/rustic `forget`. Backups are sorted newest first; `keep-last N` keeps the N
//! newest; each `keep-<period> N` keeps the newest backup of each of the N most recent periods that have
//! backups (periods are taken in the caller's time zone); `keep-within D` keeps everything newer than
//! `now - D`. The newest backup is always kept. [`apply`] is pure: it only decides, the caller deletes.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, LocalResult, Months, NaiveDateTime, Offset, TimeDelta, TimeZone,
    Timelike, Utc,
};

/// Which backups to keep. Doubles as CLI flags and as a `[retention]`-style config table.
#[derive(clap::Args, serde::Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeepPolicy {
    /// Keep the N most recent backups
    #[arg(long, value_name = "N")]
    pub keep_last: Option<u32>,
    /// Keep the newest backup of each of the last N hours that have backups
    #[arg(long, value_name = "N")]
    pub keep_hourly: Option<u32>,
    /// Keep the newest backup of each of the last N days that have backups
    #[arg(long, value_name = "N")]
    pub keep_daily: Option<u32>,
    /// Keep the newest backup of each of the last N ISO weeks that have backups
    #[arg(long, value_name = "N")]
    pub keep_weekly: Option<u32>,
    /// Keep the newest backup of each of the last N months that have backups
    #[arg(long, value_name = "N")]
    pub keep_monthly: Option<u32>,
    /// Keep the newest backup of each of the last N years that have backups
    #[arg(long, value_name = "N")]
    pub keep_yearly: Option<u32>,
    /// Keep all backups newer than DURATION, e.g. 30d, 2w, 6mo, 1y, 12h, 90min (units y mo w d h min)
    #[arg(long, value_name = "DURATION")]
    pub keep_within: Option<KeepDuration>,
    /// Keep safety backups (taken by restore) newer than DURATION; they never fill the slots of
    /// the other rules [default: 7d]
    #[arg(long, value_name = "DURATION")]
    pub keep_safety_within: Option<KeepDuration>,
}

impl KeepPolicy {
    /// True when no rule for regular backups would keep anything; a count of 0 counts as absent.
    /// The safety rule does not count: it has a default.
    pub fn is_empty(&self) -> bool {
        self.keep_within.is_none()
            && self.keep_last.unwrap_or(0) == 0
            && self.periods().iter().all(|&(_, count)| count == 0)
    }

    /// `self`, with the regular rules taken from `fallback` when `self` has none (the config's
    /// `[retention]` under the command line's flags).
    pub fn or_rules_of(&self, fallback: &KeepPolicy) -> KeepPolicy {
        let mut merged = if self.is_empty() {
            fallback.clone()
        } else {
            self.clone()
        };
        merged.keep_safety_within = self.keep_safety_within.or(fallback.keep_safety_within);
        merged
    }

    fn periods(&self) -> [(Period, u32); 5] {
        [
            (Period::Hour, self.keep_hourly.unwrap_or(0)),
            (Period::Day, self.keep_daily.unwrap_or(0)),
            (Period::Week, self.keep_weekly.unwrap_or(0)),
            (Period::Month, self.keep_monthly.unwrap_or(0)),
            (Period::Year, self.keep_yearly.unwrap_or(0)),
        ]
    }
}

/// A calendar duration such as `1y6mo`, `36h` or `90min`, written with units from years down to
/// minutes, each at most once.
#[derive(serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct KeepDuration {
    /// Indexed like [`UNITS`]: years, months, weeks, days, hours, minutes.
    amounts: [u32; 6],
}

/// Each unit's canonical spelling (used for display) first, then the other spellings accepted.
const UNITS: [&[&str]; 6] = [
    &["y", "yr", "yrs", "year", "years"],
    &["mo", "mon", "month", "months"],
    &["w", "wk", "wks", "week", "weeks"],
    &["d", "day", "days"],
    &["h", "hr", "hrs", "hour", "hours"],
    &["min", "mins", "minute", "minutes"],
];

const UNIT_LIST: &str = "y (years), mo (months), w (weeks), d (days), h (hours), min (minutes)";

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration: use e.g. 7d, 2w, 6mo, 1y, 36h or 90min")]
    Empty,
    #[error("expected a number at `{0}`")]
    MissingNumber(String),
    #[error("`{0}` has no unit: use {UNIT_LIST}")]
    MissingUnit(String),
    #[error("unknown unit `{0}`: use {UNIT_LIST}")]
    UnknownUnit(String),
    #[error("`m` is ambiguous: write mo for months or min for minutes (units: {UNIT_LIST})")]
    AmbiguousM,
    #[error("units must go from years down to minutes, each at most once")]
    UnitOrder,
    #[error("`{0}` is too large")]
    TooLarge(String),
    #[error("duration must not be zero")]
    Zero,
}

impl FromStr for KeepDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(DurationError::Empty);
        }
        let mut amounts = [0; 6];
        let mut next_unit = 0;
        let mut rest = s;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let (number, tail) = rest.split_at(digits);
            if number.is_empty() {
                return Err(DurationError::MissingNumber(rest.to_owned()));
            }
            let letters = tail
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(tail.len());
            let (unit, after) = tail.split_at(letters);
            if unit.is_empty() {
                return Err(match tail.chars().next() {
                    None => DurationError::MissingUnit(number.to_owned()),
                    Some(c) => DurationError::UnknownUnit(c.to_string()),
                });
            }
            if unit == "m" {
                return Err(DurationError::AmbiguousM);
            }
            let index = UNITS
                .iter()
                .position(|spellings| spellings.contains(&unit))
                .ok_or_else(|| DurationError::UnknownUnit(unit.to_owned()))?;
            if index < next_unit {
                return Err(DurationError::UnitOrder);
            }
            amounts[index] = number
                .parse()
                .map_err(|_| DurationError::TooLarge(number.to_owned()))?;
            next_unit = index + 1;
            rest = after;
        }
        if amounts.iter().all(|&n| n == 0) {
            return Err(DurationError::Zero);
        }
        Ok(Self { amounts })
    }
}

impl TryFrom<String> for KeepDuration {
    type Error = DurationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for KeepDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (amount, spellings) in self.amounts.iter().zip(UNITS) {
            if *amount != 0 {
                write!(f, "{amount}{}", spellings[0])?;
            }
        }
        Ok(())
    }
}

impl KeepDuration {
    /// `now - self`, like restic's `AddDate`: years and months are calendar months in `tz` (clamped to
    /// the month's last day, so Mar 31 - 1mo = Feb 28), weeks and days are calendar days, hours and
    /// minutes are exact. Saturates at the earliest representable instant, which keeps everything.
    fn before<Tz: TimeZone>(&self, now: DateTime<Utc>, tz: &Tz) -> DateTime<Utc> {
        let [years, months, weeks, days, hours, minutes] = self.amounts;
        let months = years.checked_mul(12).and_then(|m| m.checked_add(months));
        let days = u64::from(weeks) * 7 + u64::from(days);
        months
            .and_then(|m| {
                now.with_timezone(tz)
                    .naive_local()
                    .checked_sub_months(Months::new(m))
            })
            .and_then(|local| local.checked_sub_days(Days::new(days)))
            .and_then(|local| to_utc(tz, local))
            .and_then(|t| t.checked_sub_signed(TimeDelta::hours(i64::from(hours))))
            .and_then(|t| t.checked_sub_signed(TimeDelta::minutes(i64::from(minutes))))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// Maps a wall-clock time in `tz` to an instant. Around DST changes a wall-clock time can occur twice
/// (take the earlier: keeps more) or not at all (read it with the offset in force around then).
fn to_utc<Tz: TimeZone>(tz: &Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => {
            let offset = tz.offset_from_utc_datetime(&local).fix();
            local
                .checked_sub_signed(TimeDelta::seconds(offset.local_minus_utc().into()))
                .map(|t| t.and_utc())
        }
    }
}

/// A calendar period that `keep-<period>` rules bucket backups by.
#[derive(Debug, Clone, Copy)]
enum Period {
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Period {
    fn reason(self) -> &'static str {
        match self {
            Self::Hour => "hourly",
            Self::Day => "daily",
            Self::Week => "weekly",
            Self::Month => "monthly",
            Self::Year => "yearly",
        }
    }

    /// Identifies the period containing `t`. Every key includes all larger units, so two backups that
    /// differ only in a larger unit (same day-of-month, different month) never share a bucket — the
    /// class of bug rustic's `equal_minute` has.
    fn key(self, t: NaiveDateTime) -> PeriodKey {
        match self {
            Self::Hour => (t.year(), t.ordinal(), t.hour()),
            Self::Day => (t.year(), t.ordinal(), 0),
            Self::Week => (t.iso_week().year(), t.iso_week().week(), 0),
            Self::Month => (t.year(), t.month(), 0),
            Self::Year => (t.year(), 0, 0),
        }
    }
}

type PeriodKey = (i32, u32, u32);

/// A `keep-<period> N` rule while walking backups newest first.
struct PeriodRule {
    period: Period,
    /// Periods still to keep a backup from.
    left: u32,
    last_key: Option<PeriodKey>,
}

impl PeriodRule {
    /// Keeps the first (newest) backup of each new period until `left` runs out. Newest-first order
    /// makes each period a contiguous run, so "key changed" means "new period".
    fn keeps(&mut self, local: NaiveDateTime) -> bool {
        let key = self.period.key(local);
        if self.left == 0 || self.last_key == Some(key) {
            return false;
        }
        self.left -= 1;
        self.last_key = Some(key);
        true
    }
}

/// A backup to decide about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub time: DateTime<Utc>,
}

/// The verdict for one backup; `reasons` names every rule that keeps it and is empty when it goes.
#[derive(serde::Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: String,
    pub time: DateTime<Utc>,
    pub keep: bool,
    pub reasons: Vec<String>,
}

/// How long safety backups are kept without `keep_safety_within`.
pub const DEFAULT_KEEP_SAFETY_WITHIN: KeepDuration = KeepDuration {
    amounts: [0, 0, 0, 7, 0, 0],
};

/// Decides for safety backups, which only their own rule keeps: a safety backup holds the data
/// a restore replaced, so letting it fill a daily slot would push out a regular backup.
/// Newest first, like [`apply`].
pub fn apply_safety<Tz: TimeZone>(
    items: &[Item],
    now: DateTime<Utc>,
    tz: &Tz,
    policy: &KeepPolicy,
) -> Vec<Decision> {
    let within = policy
        .keep_safety_within
        .unwrap_or(DEFAULT_KEEP_SAFETY_WITHIN);
    let cutoff = within.before(now, tz);
    let mut decisions: Vec<Decision> = items
        .iter()
        .map(|item| {
            let keep = item.time > cutoff;
            Decision {
                id: item.id.clone(),
                time: item.time,
                keep,
                reasons: if keep {
                    vec![format!("safety within {within}")]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    decisions.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
    decisions
}

/// Why a policy could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    #[error("refusing to prune with no keep rule: give at least one --keep-* option")]
    EmptyPolicy,
}

/// Decides which of `items` `policy` keeps at time `now`, with period buckets taken in `tz`.
/// Returns one decision per item, newest first (ties by id).
pub fn apply<Tz: TimeZone>(
    items: &[Item],
    now: DateTime<Utc>,
    tz: &Tz,
    policy: &KeepPolicy,
) -> Result<Vec<Decision>, RetentionError> {
    if policy.is_empty() {
        return Err(RetentionError::EmptyPolicy);
    }
    let mut sorted: Vec<&Item> = items.iter().collect();
    sorted.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));

    let keep_last = policy.keep_last.map_or(0, |n| n as usize);
    let within = policy.keep_within.map(|d| (d.before(now, tz), d));
    let mut rules: Vec<PeriodRule> = policy
        .periods()
        .into_iter()
        .filter(|&(_, count)| count > 0)
        .map(|(period, left)| PeriodRule {
            period,
            left,
            last_key: None,
        })
        .collect();

    let decisions = sorted
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let local = item.time.with_timezone(tz).naive_local();
            let mut reasons = Vec::new();
            if index < keep_last {
                reasons.push("last".to_owned());
            }
            for rule in &mut rules {
                if rule.keeps(local) {
                    reasons.push(rule.period.reason().to_owned());
                }
            }
            if let Some((cutoff, duration)) = within
                && item.time > cutoff
            {
                reasons.push(format!("within {duration}"));
            }
            if index == 0 && reasons.is_empty() {
                reasons.push("newest".to_owned());
            }
            Decision {
                id: item.id.clone(),
                time: item.time,
                keep: !reasons.is_empty(),
                reasons,
            }
        })
        .collect();
    Ok(decisions)
}

#[cfg(test)]
mod tests;
