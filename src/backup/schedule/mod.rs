//! Classic 5-field crontab schedules on top of the `cron` crate, plus crontab and systemd emitters.
//!
//! The `cron` crate speaks Quartz: 6 or 7 fields with seconds first, weekdays numbered 1 = Sunday …
//! 7 = Saturday, and a day must match day-of-month AND day-of-week. Crontab users write 5 fields, number
//! weekdays 0 or 7 = Sunday … 6 = Saturday, and get Vixie cron's OR rule when both day fields are
//! restricted. [`CronExpr`] therefore parses and validates the classic syntax itself (so errors name the
//! crontab field) and hands the `cron` crate an unambiguous translation: seconds `0`, every restricted
//! field as an explicit value list, weekdays as names, and one schedule per side of the OR.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeZone};
use cron::Schedule;

/// Why a schedule expression was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("empty schedule: 5 fields expected: minute hour day-of-month month day-of-week")]
    Empty,
    #[error(
        "{found} field(s) given, but 5 fields expected: minute hour day-of-month month day-of-week \
         (seconds and years are not supported)"
    )]
    FieldCount { found: usize },
    #[error(
        "unknown schedule macro `@{0}`: expected @hourly, @daily, @midnight, @weekly, @monthly, \
         @yearly or @annually"
    )]
    UnknownMacro(String),
    #[error("invalid {field} field `{text}`: {problem}")]
    Field {
        field: CronField,
        text: String,
        problem: FieldProblem,
    },
    #[error("the schedule never fires: day-of-month `{dom}` does not occur in month `{month}`")]
    NeverFires { dom: String, month: String },
    #[error("internal error: the cron crate rejected the translated schedule `{translated}`")]
    Translation {
        translated: String,
        #[source]
        source: cron::error::Error,
    },
}

/// What is wrong inside one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    #[error("empty value")]
    EmptyValue,
    #[error("`{token}` is not {expected}")]
    NotAValue {
        token: String,
        expected: &'static str,
    },
    #[error("{value} is out of range {min}-{max}")]
    OutOfRange { value: String, min: u32, max: u32 },
    #[error("range {start}-{end} runs backwards")]
    ReversedRange { start: u32, end: u32 },
    #[error("a step needs `*` or a range before the `/` (e.g. `*/15`, `0-30/10`)")]
    StepWithoutRange,
    #[error("step must be at least 1")]
    ZeroStep,
}

/// The five crontab fields, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronField {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Index = crontab weekday number. The `cron` crate and systemd both accept these spellings, which is
/// what makes names (not numbers) the safe way to hand weekdays over.
const WEEKDAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
/// Longest length of each month (February counts its leap day).
const MONTH_MAX_DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

impl CronField {
    /// Inclusive bounds as written in a crontab; day-of-week allows 7 as a second Sunday.
    fn bounds(self) -> (u32, u32) {
        match self {
            Self::Minute => (0, 59),
            Self::Hour => (0, 23),
            Self::DayOfMonth => (1, 31),
            Self::Month => (1, 12),
            Self::DayOfWeek => (0, 7),
        }
    }

    /// Names usable instead of numbers, and the number of the first name.
    fn names(self) -> (&'static [&'static str], u32) {
        match self {
            Self::Month => (&MONTH_NAMES, 1),
            Self::DayOfWeek => (&WEEKDAY_NAMES, 0),
            Self::Minute | Self::Hour | Self::DayOfMonth => (&[], 0),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Self::Month => "a number or a month name (JAN..DEC)",
            Self::DayOfWeek => "a number or a weekday name (SUN..SAT)",
            Self::Minute | Self::Hour | Self::DayOfMonth => "a number",
        }
    }

    fn parse_value(self, token: &str) -> Result<u32, FieldProblem> {
        let (min, max) = self.bounds();
        if token.is_empty() {
            return Err(FieldProblem::EmptyValue);
        }
        if token.bytes().all(|b| b.is_ascii_digit()) {
            let out_of_range = || FieldProblem::OutOfRange {
                value: token.to_owned(),
                min,
                max,
            };
            let value: u32 = token.parse().map_err(|_| out_of_range())?;
            return if (min..=max).contains(&value) {
                Ok(value)
            } else {
                Err(out_of_range())
            };
        }
        let (names, first) = self.names();
        names
            .iter()
            .zip(first..)
            .find_map(|(name, value)| name.eq_ignore_ascii_case(token).then_some(value))
            .ok_or_else(|| FieldProblem::NotAValue {
                token: token.to_owned(),
                expected: self.expected(),
            })
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::DayOfMonth => "day-of-month",
            Self::Month => "month",
            Self::DayOfWeek => "day-of-week",
        })
    }
}

/// One list element: `start-end/step` (`*` is the full range, a single value has `start == end`).
#[derive(Debug, Clone, Copy)]
struct Part {
    start: u32,
    end: u32,
    step: u32,
}

impl Part {
    fn parse(field: CronField, text: &str) -> Result<Self, FieldProblem> {
        let (base, step) = match text.split_once('/') {
            Some((base, step)) => (base, Some(step)),
            None => (text, None),
        };
        let (start, end, is_range) = if base == "*" {
            let (min, max) = field.bounds();
            (min, max, true)
        } else if let Some((start, end)) = base.split_once('-') {
            (field.parse_value(start)?, field.parse_value(end)?, true)
        } else {
            let value = field.parse_value(base)?;
            (value, value, false)
        };
        if start > end {
            return Err(FieldProblem::ReversedRange { start, end });
        }
        let step = match step {
            None => 1,
            // Vixie cron rejects `5/15`; requiring a range keeps "from 5 to where?" unambiguous.
            Some(_) if !is_range => return Err(FieldProblem::StepWithoutRange),
            // Digits only: `u32::from_str` would also take `+5`.
            Some(step) => match step.parse::<u32>() {
                Ok(0) => return Err(FieldProblem::ZeroStep),
                Ok(n) if step.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => {
                    return Err(FieldProblem::NotAValue {
                        token: step.to_owned(),
                        expected: "a step count",
                    });
                }
            },
        };
        Ok(Self { start, end, step })
    }

    fn values(self) -> impl Iterator<Item = u32> {
        (self.start..=self.end).step_by(self.step as usize)
    }

    /// systemd form of this element: a value, a range `a..b`, or for steps an explicit list. systemd's
    /// own `a/b` repetition skips fire times when a larger unit rolls over (systemd issues #22665,
    /// #40260; `*-*-01/19` misses January 1st on systemd 252) and rejects single-value repetitions.
    fn systemd_text(self) -> String {
        if self.start == self.end {
            format!("{:02}", self.start)
        } else if self.step == 1 {
            format!("{:02}..{:02}", self.start, self.end)
        } else {
            join(self.values().map(|v| format!("{v:02}")))
        }
    }
}

/// A parsed field: its list elements, the set of values they cover, and Vixie cron's "star" flag.
#[derive(Debug, Clone)]
struct FieldSpec {
    field: CronField,
    /// The field as written, for error messages.
    text: String,
    parts: Vec<Part>,
    /// Bit `v` set when value `v` matches; day-of-week 7 is folded onto 0.
    mask: u64,
    /// Vixie cron treats a day field as unrestricted when its text starts with `*` (also `*/2`); only
    /// when neither day field is unrestricted does it OR them.
    starred: bool,
}

impl FieldSpec {
    fn parse(field: CronField, text: &str) -> Result<Self, ScheduleError> {
        let parts = text
            .split(',')
            .map(|part| Part::parse(field, part))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|problem| ScheduleError::Field {
                field,
                text: text.to_owned(),
                problem,
            })?;
        let mask = parts
            .iter()
            .flat_map(|part| part.values())
            .map(|v| {
                if field == CronField::DayOfWeek {
                    v % 7
                } else {
                    v
                }
            })
            .fold(0, |mask, v| mask | 1 << v);
        Ok(Self {
            field,
            text: text.to_owned(),
            parts,
            mask,
            starred: text.starts_with('*'),
        })
    }

    fn values(&self) -> impl Iterator<Item = u32> + '_ {
        (0..64).filter(|v| self.mask & 1 << v != 0)
    }

    fn is_full(&self) -> bool {
        let (min, max) = self.field.bounds();
        let max = if self.field == CronField::DayOfWeek {
            6
        } else {
            max
        };
        (min..=max).all(|v| self.mask & 1 << v != 0)
    }

    /// Field text for the `cron` crate: `*` or an explicit list (weekday names, never Quartz numbers).
    fn cron_text(&self) -> String {
        if self.is_full() {
            return "*".to_owned();
        }
        join(self.values().map(|v| match self.field {
            CronField::DayOfWeek => WEEKDAY_NAMES[v as usize].to_owned(),
            _ => v.to_string(),
        }))
    }

    /// Field text for a systemd calendar event (date and time fields; weekdays use [`Self::systemd_weekdays`]).
    fn systemd_text(&self) -> String {
        if self.is_full() {
            return "*".to_owned();
        }
        join(self.parts.iter().map(|part| part.systemd_text()))
    }

    /// systemd weekday prefix including its trailing space, or nothing when every day matches. systemd
    /// weeks start on Monday, so `5-7` becomes `Fri..Sun`; runs of three or more become `a..b`.
    fn systemd_weekdays(&self) -> String {
        if self.is_full() {
            return String::new();
        }
        let monday_first = [1, 2, 3, 4, 5, 6, 0].map(|v| self.mask & 1 << v != 0);
        let mut runs = Vec::new();
        let mut i = 0;
        while i < 7 {
            if !monday_first[i] {
                i += 1;
                continue;
            }
            let start = i;
            while i < 7 && monday_first[i] {
                i += 1;
            }
            let name = |pos: usize| WEEKDAY_NAMES[(pos + 1) % 7];
            runs.push(match i - start {
                1 => name(start).to_owned(),
                2 => format!("{},{}", name(start), name(start + 1)),
                _ => format!("{}..{}", name(start), name(i - 1)),
            });
        }
        format!("{} ", runs.join(","))
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// A classic 5-field crontab expression (`min hour dom month dow`, or a macro such as `@daily`).
#[derive(Debug, Clone)]
pub struct CronExpr {
    source: String,
    minute: FieldSpec,
    hour: FieldSpec,
    dom: FieldSpec,
    month: FieldSpec,
    dow: FieldSpec,
    /// One schedule, or two when day-of-month and day-of-week are ORed; the next fire time is the earlier.
    schedules: Vec<Schedule>,
}

/// The `service` and `timer` unit files produced by [`CronExpr::systemd_units`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemdUnits {
    pub service: String,
    pub timer: String,
}

impl CronExpr {
    /// Parses classic crontab syntax: numbers, `*`, lists, ranges, steps, month and weekday names
    /// (case-insensitive), weekday 0 or 7 = Sunday, and the `@hourly` … `@annually` macros.
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        let source = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let expanded = match source.strip_prefix('@') {
            Some(name) => expand_macro(name)?,
            None => source.as_str(),
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields[..] else {
            return Err(match fields.len() {
                0 => ScheduleError::Empty,
                found => ScheduleError::FieldCount { found },
            });
        };
        let mut expr = Self {
            minute: FieldSpec::parse(CronField::Minute, minute)?,
            hour: FieldSpec::parse(CronField::Hour, hour)?,
            dom: FieldSpec::parse(CronField::DayOfMonth, dom)?,
            month: FieldSpec::parse(CronField::Month, month)?,
            dow: FieldSpec::parse(CronField::DayOfWeek, dow)?,
            schedules: Vec::new(),
            // Moved last: the field texts above borrow from it.
            source,
        };
        expr.check_day_exists()?;
        expr.schedules = expr.cron_schedules()?;
        Ok(expr)
    }

    /// The expression as written, with whitespace runs collapsed to single spaces.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first fire time strictly after `after`, in `after`'s time zone; `None` if there is none
    /// within the `cron` crate's calendar range.
    pub fn next_after<Tz: TimeZone>(&self, after: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        self.schedules
            .iter()
            .filter_map(|schedule| schedule.after(after).next())
            .min()
    }

    /// A user-crontab entry running `command` (a single line), preceded by a comment. `%` is escaped
    /// because cron turns a bare `%` into a newline.
    pub fn crontab_line(&self, command: &str) -> String {
        format!(
            "# Generated by redisops. Install with `crontab -e` (user crontab; an /etc/cron.d file needs a user field after the schedule).\n{} {}\n",
            self.source,
            command.replace('%', "\\%"),
        )
    }

    /// A oneshot service running `exec_start` (a single line) with `environment` set, and a timer
    /// firing on this schedule. `%` is doubled because systemd expands `%` specifiers.
    pub fn systemd_units(
        &self,
        name: &str,
        description: &str,
        exec_start: &str,
        environment: &[(String, String)],
    ) -> SystemdUnits {
        let description = description.replace('%', "%%");
        // Double quotes keep spaces; backslash and quote are escaped as systemd unquotes them.
        let environment: String = environment
            .iter()
            .map(|(k, v)| {
                let assignment = format!("{k}={v}")
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('%', "%%");
                format!("Environment=\"{assignment}\"\n")
            })
            .collect();
        let service = format!(
            "# Generated by redisops. Install as /etc/systemd/system/{name}.service together with {name}.timer.\n\
             [Unit]\n\
             Description={description}\n\
             Wants=network-online.target\n\
             After=network-online.target\n\
             \n\
             [Service]\n\
             Type=oneshot\n\
             {environment}\
             ExecStart={exec_start}\n\
             Nice=10\n\
             IOSchedulingClass=best-effort\n\
             IOSchedulingPriority=7\n",
            exec_start = exec_start.replace('%', "%%"),
        );
        let on_calendar: String = self
            .systemd_calendar()
            .iter()
            .map(|event| format!("OnCalendar={event}\n"))
            .collect();
        let timer = format!(
            "# Generated by redisops from the crontab schedule `{source}`.\n\
             # Install as /etc/systemd/system/{name}.timer, then: systemctl daemon-reload && systemctl enable --now {name}.timer\n\
             [Unit]\n\
             Description={description} (timer)\n\
             \n\
             [Timer]\n\
             {on_calendar}\
             Persistent=true\n\
             RandomizedDelaySec=0\n\
             AccuracySec=1s\n\
             \n\
             [Install]\n\
             WantedBy=timers.target\n",
            source = self.source,
        );
        SystemdUnits { service, timer }
    }

    /// Translations for the `cron` crate: seconds `0` first, one schedule per [`Self::day_variants`] entry.
    fn cron_schedules(&self) -> Result<Vec<Schedule>, ScheduleError> {
        self.day_variants()
            .into_iter()
            .map(|(dom, dow)| {
                let translated = format!(
                    "0 {} {} {} {} {}",
                    self.minute.cron_text(),
                    self.hour.cron_text(),
                    dom.map_or_else(|| "*".to_owned(), FieldSpec::cron_text),
                    self.month.cron_text(),
                    dow.map_or_else(|| "*".to_owned(), FieldSpec::cron_text),
                );
                Schedule::from_str(&translated)
                    .map_err(|source| ScheduleError::Translation { translated, source })
            })
            .collect()
    }

    /// systemd `OnCalendar=` values (`DOW YYYY-MM-DD HH:MM:SS`). systemd ANDs the parts of one event and
    /// ORs separate events, so the crontab day-of-month/day-of-week OR becomes two events.
    fn systemd_calendar(&self) -> Vec<String> {
        self.day_variants()
            .into_iter()
            .map(|(dom, dow)| {
                format!(
                    "{}*-{}-{} {}:{}:00",
                    dow.map(FieldSpec::systemd_weekdays).unwrap_or_default(),
                    self.month.systemd_text(),
                    dom.map_or_else(|| "*".to_owned(), FieldSpec::systemd_text),
                    self.hour.systemd_text(),
                    self.minute.systemd_text(),
                )
            })
            .collect()
    }

    /// The (day-of-month, day-of-week) restrictions a fire day must satisfy, ORed across the list;
    /// `None` means any day. Vixie cron: both restricted → either may match; otherwise both must.
    fn day_variants(&self) -> Vec<(Option<&FieldSpec>, Option<&FieldSpec>)> {
        if self.dom.starred || self.dow.starred {
            vec![(Some(&self.dom), Some(&self.dow))]
        } else {
            vec![(Some(&self.dom), None), (None, Some(&self.dow))]
        }
    }

    /// Rejects e.g. `0 0 30 2 *`, which Vixie cron accepts but never runs.
    fn check_day_exists(&self) -> Result<(), ScheduleError> {
        if !self.dow.starred {
            return Ok(());
        }
        let first_day = self.dom.values().next().unwrap_or(1);
        let longest_month = self
            .month
            .values()
            .map(|m| MONTH_MAX_DAYS[m as usize - 1])
            .max()
            .unwrap_or(31);
        if first_day > longest_month {
            return Err(ScheduleError::NeverFires {
                dom: self.dom.text.clone(),
                month: self.month.text.clone(),
            });
        }
        Ok(())
    }
}

/// Expansion of `@name` (the name without its `@`), as Vixie cron defines it.
fn expand_macro(name: &str) -> Result<&'static str, ScheduleError> {
    Ok(match name {
        "hourly" => "0 * * * *",
        "daily" | "midnight" => "0 0 * * *",
        "weekly" => "0 0 * * 0",
        "monthly" => "0 0 1 * *",
        "yearly" | "annually" => "0 0 1 1 *",
        _ => return Err(ScheduleError::UnknownMacro(name.to_owned())),
    })
}

impl FromStr for CronExpr {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc, Weekday};

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
            .unwrap_or_else(|e| panic!("bad test time {s}: {e}"))
            .and_utc()
    }

    fn expr(s: &str) -> CronExpr {
        CronExpr::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// The next `n` fire times after `start`, each found with `next_after` from the previous one.
    fn fires(s: &str, start: &str, n: usize) -> Vec<String> {
        let expr = expr(s);
        std::iter::successors(Some(at(start)), |t| expr.next_after(t))
            .skip(1)
            .take(n)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .collect()
    }

    /// Checks the day-of-week field by the next 14 fire times of `30 12 * * <dow>` from Monday
    /// 2026-11-23 00:00: they must be exactly the next 14 days whose weekday is in `days`.
    fn assert_weekdays(dow: &str, days: &[Weekday]) {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let expected: Vec<String> = monday
            .iter_days()
            .filter(|d| days.contains(&d.weekday()))
            .take(14)
            .map(|d| format!("{d} 12:30"))
            .collect();
        let actual = fires(&format!("30 12 * * {dow}"), "2026-11-23 00:00", 14);
        assert_eq!(actual, expected, "day-of-week `{dow}`");
    }

    #[test]
    fn fixed_start_date_is_a_monday() {
        assert_eq!(at("2026-11-23 00:00").weekday(), Weekday::Mon);
    }

    macro_rules! weekday_cases {
        ($($name:ident: $dow:literal => [$($day:ident),*];)*) => {$(
            #[test]
            fn $name() {
                assert_weekdays($dow, &[$(Weekday::$day),*]);
            }
        )*};
    }

    weekday_cases! {
        dow_0_is_sunday: "0" => [Sun];
        dow_7_is_sunday: "7" => [Sun];
        dow_1_to_5_is_monday_to_friday: "1-5" => [Mon, Tue, Wed, Thu, Fri];
        dow_sun_name: "SUN" => [Sun];
        dow_mon_fri_names: "MON-FRI" => [Mon, Tue, Wed, Thu, Fri];
        dow_names_are_case_insensitive: "mon,Wed,fRi" => [Mon, Wed, Fri];
        dow_5_to_7_wraps_to_sunday: "5-7" => [Fri, Sat, Sun];
        dow_star_step_2: "*/2" => [Sun, Tue, Thu, Sat];
        dow_range_step_2: "1-5/2" => [Mon, Wed, Fri];
        dow_0_to_7_is_every_day: "0-7" => [Mon, Tue, Wed, Thu, Fri, Sat, Sun];
        dow_saturday_and_7: "6,7" => [Sat, Sun];
    }

    #[test]
    fn minute_and_hour_steps() {
        assert_eq!(
            fires("*/15 9-17 * * *", "2026-11-23 16:40", 6),
            [
                "2026-11-23 16:45",
                "2026-11-23 17:00",
                "2026-11-23 17:15",
                "2026-11-23 17:30",
                "2026-11-23 17:45",
                "2026-11-24 09:00",
            ]
        );
        assert_eq!(
            fires("5-59/20 */6 * * *", "2026-11-23 05:00", 5),
            [
                "2026-11-23 06:05",
                "2026-11-23 06:25",
                "2026-11-23 06:45",
                "2026-11-23 12:05",
                "2026-11-23 12:25",
            ]
        );
    }

    #[test]
    fn month_names() {
        assert_eq!(
            fires("0 0 1 JAN,jul *", "2026-11-23 00:00", 3),
            ["2027-01-01 00:00", "2027-07-01 00:00", "2028-01-01 00:00"]
        );
        assert_eq!(
            fires("30 2 15 Mar-May *", "2026-11-23 00:00", 4),
            [
                "2027-03-15 02:30",
                "2027-04-15 02:30",
                "2027-05-15 02:30",
                "2028-03-15 02:30",
            ]
        );
    }

    #[test]
    fn day_of_month_or_day_of_week_when_both_restricted() {
        // Fridays, plus the 13th whatever its weekday (Sunday 2026-12-13, Wednesday 2027-01-13).
        assert_eq!(
            fires("0 0 13 * 5", "2026-11-23 00:00", 9),
            [
                "2026-11-27 00:00",
                "2026-12-04 00:00",
                "2026-12-11 00:00",
                "2026-12-13 00:00",
                "2026-12-18 00:00",
                "2026-12-25 00:00",
                "2027-01-01 00:00",
                "2027-01-08 00:00",
                "2027-01-13 00:00",
            ]
        );
    }

    #[test]
    fn cron_crate_alone_ands_day_of_month_and_day_of_week() {
        // The behaviour the two-schedule OR works around: Quartz-style 6 fields, only Friday the 13ths.
        let schedule = Schedule::from_str("0 0 0 13 * Fri").unwrap();
        let next: Vec<_> = schedule.after(&at("2026-11-23 00:00")).take(2).collect();
        assert_eq!(next, [at("2027-08-13 00:00"), at("2028-10-13 00:00")]);
    }

    #[test]
    fn day_field_starting_with_star_means_and() {
        // Vixie cron: `*/10` counts as unrestricted for the OR rule, so days 1, 11, 21, 31 that are Fridays.
        assert_eq!(
            fires("0 0 */10 * 5", "2026-11-23 00:00", 3),
            ["2026-12-11 00:00", "2027-01-01 00:00", "2027-05-21 00:00"]
        );
    }

    #[test]
    fn macros_expand_like_vixie_cron() {
        let start = "2026-11-23 10:20";
        for (name, equivalent) in [
            ("@hourly", "0 * * * *"),
            ("@daily", "0 0 * * *"),
            ("@midnight", "0 0 * * *"),
            ("@weekly", "0 0 * * 0"),
            ("@monthly", "0 0 1 * *"),
            ("@yearly", "0 0 1 1 *"),
            ("@annually", "0 0 1 1 *"),
        ] {
            assert_eq!(fires(name, start, 3), fires(equivalent, start, 3), "{name}");
        }
        assert_eq!(
            fires("@daily", start, 2),
            ["2026-11-24 00:00", "2026-11-25 00:00"]
        );
        assert_eq!(expr("@daily").source(), "@daily");
    }

    #[test]
    fn next_after_is_strictly_after() {
        let daily = expr("0 3 * * *");
        let next = |s: &str| daily.next_after(&at(s)).map(|t| t.to_string());
        let tomorrow = Some("2026-11-24 03:00:00 UTC".to_owned());
        assert_eq!(next("2026-11-23 03:00"), tomorrow);
        assert_eq!(next("2026-11-23 03:00:00.5"), tomorrow);
        assert_eq!(
            next("2026-11-23 02:59:59.999"),
            Some("2026-11-23 03:00:00 UTC".to_owned())
        );
    }

    #[test]
    fn next_after_works_in_the_given_time_zone() {
        let plus_two = FixedOffset::east_opt(2 * 3600).unwrap();
        let start = at("2026-11-23 00:00").with_timezone(&plus_two);
        let next = expr("0 3 * * *").next_after(&start).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-23T03:00:00+02:00");
    }

    #[test]
    fn source_and_display_collapse_whitespace() {
        let e = expr("  */5\t1  * *   MON-FRI ");
        assert_eq!(e.source(), "*/5 1 * * MON-FRI");
        assert_eq!(e.to_string(), "*/5 1 * * MON-FRI");
        assert_eq!(
            "0 3 * * *".parse::<CronExpr>().unwrap().source(),
            "0 3 * * *"
        );
    }

    #[test]
    fn invalid_expressions_name_the_problem() {
        for (input, message) in [
            (
                "",
                "empty schedule: 5 fields expected: minute hour day-of-month month day-of-week",
            ),
            (
                "0 0 3 * * *",
                "6 field(s) given, but 5 fields expected: minute hour day-of-month month day-of-week (seconds and years are not supported)",
            ),
            ("garbage", "1 field(s) given, but 5 fields expected"),
            ("0 0 3 * * * 2027", "7 field(s) given"),
            (
                "61 * * * *",
                "invalid minute field `61`: 61 is out of range 0-59",
            ),
            (
                "0 24 * * *",
                "invalid hour field `24`: 24 is out of range 0-23",
            ),
            (
                "0 0 0 * *",
                "invalid day-of-month field `0`: 0 is out of range 1-31",
            ),
            (
                "0 0 * 13 *",
                "invalid month field `13`: 13 is out of range 1-12",
            ),
            (
                "0 0 * * 8",
                "invalid day-of-week field `8`: 8 is out of range 0-7",
            ),
            ("x * * * *", "invalid minute field `x`: `x` is not a number"),
            (
                "0 0 * FOO *",
                "invalid month field `FOO`: `FOO` is not a number or a month name (JAN..DEC)",
            ),
            (
                "0 0 * * SUNDAY",
                "invalid day-of-week field `SUNDAY`: `SUNDAY` is not a number or a weekday name (SUN..SAT)",
            ),
            (
                "5-1 * * * *",
                "invalid minute field `5-1`: range 5-1 runs backwards",
            ),
            (
                "*/0 * * * *",
                "invalid minute field `*/0`: step must be at least 1",
            ),
            (
                "*/+5 * * * *",
                "invalid minute field `*/+5`: `+5` is not a step count",
            ),
            (
                "5/15 * * * *",
                "invalid minute field `5/15`: a step needs `*` or a range",
            ),
            (
                "0 0 * * MON/2",
                "invalid day-of-week field `MON/2`: a step needs",
            ),
            ("1,,2 * * * *", "invalid minute field `1,,2`: empty value"),
            ("-5 * * * *", "invalid minute field `-5`: empty value"),
            (
                "99999999999 * * * *",
                "invalid minute field `99999999999`: 99999999999 is out of range 0-59",
            ),
            (
                "0 0 30 2 *",
                "the schedule never fires: day-of-month `30` does not occur in month `2`",
            ),
            ("@reboot", "unknown schedule macro `@reboot`"),
            ("@daily 0", "unknown schedule macro `@daily 0`"),
        ] {
            let error = CronExpr::parse(input).expect_err(input).to_string();
            assert!(
                error.starts_with(message),
                "{input:?}: got {error:?}, expected it to start with {message:?}"
            );
        }
    }

    #[test]
    fn never_fires_check_allows_leap_day_and_or_with_weekday() {
        assert_eq!(
            fires("0 0 29 2 *", "2026-11-23 00:00", 1),
            ["2028-02-29 00:00"]
        );
        assert_eq!(
            fires("0 0 30 2 1", "2026-11-23 00:00", 1),
            ["2027-02-01 00:00"]
        );
    }

    #[test]
    fn crontab_line_snapshot() {
        assert_eq!(
            expr("0 3 * * *").crontab_line("redisops backup --config /etc/redisops.toml"),
            "# Generated by redisops. Install with `crontab -e` (user crontab; an /etc/cron.d file needs a user field after the schedule).\n\
             0 3 * * * redisops backup --config /etc/redisops.toml\n"
        );
        assert_eq!(
            expr("@daily").crontab_line("redisops backup --tag $(date +%F)"),
            "# Generated by redisops. Install with `crontab -e` (user crontab; an /etc/cron.d file needs a user field after the schedule).\n\
             @daily redisops backup --tag $(date +\\%F)\n"
        );
    }

    #[test]
    fn systemd_units_snapshot() {
        let units = expr("0 3 * * *").systemd_units(
            "redisops-backup",
            "Redis backup (100% of keys)",
            "/usr/local/bin/redisops backup --config /etc/redisops.toml",
            &[("REDISOPS_REPO".into(), "/var/backups/a b".into())],
        );
        assert_eq!(
            units.service,
            "# Generated by redisops. Install as /etc/systemd/system/redisops-backup.service together with redisops-backup.timer.\n\
             [Unit]\n\
             Description=Redis backup (100%% of keys)\n\
             Wants=network-online.target\n\
             After=network-online.target\n\
             \n\
             [Service]\n\
             Type=oneshot\n\
             Environment=\"REDISOPS_REPO=/var/backups/a b\"\n\
             ExecStart=/usr/local/bin/redisops backup --config /etc/redisops.toml\n\
             Nice=10\n\
             IOSchedulingClass=best-effort\n\
             IOSchedulingPriority=7\n"
        );
        assert_eq!(
            units.timer,
            "# Generated by redisops from the crontab schedule `0 3 * * *`.\n\
             # Install as /etc/systemd/system/redisops-backup.timer, then: systemctl daemon-reload && systemctl enable --now redisops-backup.timer\n\
             [Unit]\n\
             Description=Redis backup (100%% of keys) (timer)\n\
             \n\
             [Timer]\n\
             OnCalendar=*-*-* 03:00:00\n\
             Persistent=true\n\
             RandomizedDelaySec=0\n\
             AccuracySec=1s\n\
             \n\
             [Install]\n\
             WantedBy=timers.target\n"
        );
    }

    #[test]
    fn systemd_timer_has_one_on_calendar_line_per_or_branch() {
        let timer = expr("0 0 13 * 5")
            .systemd_units("b", "B", "/bin/true", &[])
            .timer;
        assert!(
            timer.contains("[Timer]\nOnCalendar=*-*-13 00:00:00\nOnCalendar=Fri *-*-* 00:00:00\nPersistent=true\n"),
            "{timer}"
        );
    }

    #[test]
    fn systemd_calendar_conversion() {
        for (cron, systemd) in [
            ("0 3 * * *", "*-*-* 03:00:00"),
            ("*/15 9-17 * * 1-5", "Mon..Fri *-*-* 09..17:00,15,30,45:00"),
            ("30 2 1 JAN,JUL *", "*-01,07-01 02:30:00"),
            ("0 */6 * * *", "*-*-* 00,06,12,18:00:00"),
            ("5-59/20 * * * *", "*-*-* *:05,25,45:00"),
            ("0 0 1-10/3 * *", "*-*-01,04,07,10 00:00:00"),
            ("0 0 1 */3 *", "*-01,04,07,10-01 00:00:00"),
            ("0,30 * * * *", "*-*-* *:00,30:00"),
            ("0 22-23,0-2 * * *", "*-*-* 22..23,00..02:00:00"),
            // A step past the field's end selects one value.
            ("*/90 * * * *", "*-*-* *:00:00"),
            ("0 0 * * 5-7", "Fri..Sun *-*-* 00:00:00"),
            ("0 0 * * */2", "Tue,Thu,Sat,Sun *-*-* 00:00:00"),
            ("0 0 * * 0,6", "Sat,Sun *-*-* 00:00:00"),
            ("0 0 * * 1-5/2", "Mon,Wed,Fri *-*-* 00:00:00"),
            ("0 0 * * 0-7", "*-*-* 00:00:00"),
            ("0 0 */10 * 5", "Fri *-*-01,11,21,31 00:00:00"),
            ("@weekly", "Sun *-*-* 00:00:00"),
            ("@yearly", "*-01-01 00:00:00"),
        ] {
            assert_eq!(expr(cron).systemd_calendar(), [systemd], "{cron}");
        }
    }
}
