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
        timer.contains(
            "[Timer]\nOnCalendar=*-*-13 00:00:00\nOnCalendar=Fri *-*-* 00:00:00\nPersistent=true\n"
        ),
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
