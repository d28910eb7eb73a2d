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
mod tests;
