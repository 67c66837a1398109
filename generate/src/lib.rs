//! A deterministic generator of realistic webhook logs, with the true figures of every call.
//!
//! Calls of every kind (see [`Kind`]) arrive at random over a working day, many at once, and
//! their events are written in time order, interleaved, as the platform would send them. On
//! request it adds the faults real logs have: re-delivered events, lines out of order, garbage
//! lines, calls cut off at the end of the log. The same [`Config`] always gives the same bytes.
//! Memory stays proportional to the calls in progress, not to the output. The sample logs,
//! benches and tests use it; the binary does not.

mod payload;
mod scenario;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use payload::Person;
pub use scenario::Kind;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Number of calls.
    pub calls: usize,
    /// The random seed: the same seed gives the same bytes.
    pub seed: u64,
    /// The day; calls start between 07:00 and 19:00 UTC.
    pub date: NaiveDate,
    /// Probability that an event line is delivered a second time, a little later.
    pub duplicates: f64,
    /// Probability that a line swaps places with the next one.
    pub reorder: f64,
    /// Probability of a garbage line before any line.
    pub garbage: f64,
    /// Leave the last 1% of calls open: their closes never arrive.
    pub open_tail: bool,
}

impl Config {
    /// `calls` clean calls on 2026-03-10 from `seed`.
    pub fn new(calls: usize, seed: u64) -> Self {
        let date = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap_or_default();
        Config { calls, seed, date, duplicates: 0.0, reorder: 0.0, garbage: 0.0, open_tail: false }
    }
}

/// The figures callflow must report for one call (as `docs/figures.md` defines them), from the
/// generator's own model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    /// The root leg's uuid.
    pub call_id: String,
    /// What kind of call it is.
    pub kind: Kind,
    /// `INBOUND` / `OUTBOUND`.
    pub direction: &'static str,
    /// First event, Unix seconds.
    pub start: i64,
    /// First `talking`.
    pub answered_at: Option<i64>,
    /// Last close; `None` when left open.
    pub end: Option<i64>,
    /// `client`, `consultant`, `bot` or `none`.
    pub hangup_side: &'static str,
    /// `answered`, `not_answered` or `open`.
    pub outcome: &'static str,
    /// Consultant username.
    pub consultant: Option<String>,
    /// Project name.
    pub project: Option<String>,
    /// The client's number.
    pub client: Option<String>,
    /// The uuids of its legs, in creation order.
    pub legs: Vec<String>,
}

impl Truth {
    fn new(call_id: &str, direction: &'static str, start: i64, person: &Person, client: Option<String>) -> Self {
        Truth {
            call_id: call_id.to_owned(),
            kind: Kind::OutboundAnswered,
            direction,
            start,
            answered_at: None,
            end: None,
            hangup_side: "none",
            outcome: "open",
            consultant: Some(person.username.clone()),
            project: Some(person.project.clone()),
            client,
            legs: Vec::new(),
        }
    }

    fn answered(&mut self, at: i64, end: i64, side: &'static str) {
        (self.answered_at, self.end, self.hangup_side, self.outcome) = (Some(at), Some(end), side, "answered");
    }

    fn unanswered(&mut self, end: i64, side: &'static str) {
        (self.end, self.hangup_side, self.outcome) = (Some(end), side, "not_answered");
    }
}

/// What was written, line by line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// All lines.
    pub lines: u64,
    /// Call events, first deliveries only.
    pub events: u64,
    /// Re-deliveries of call events.
    pub duplicates: u64,
    /// Events of other kinds.
    pub other_events: u64,
    /// Lines that are not events.
    pub garbage: u64,
}

/// The truth of every call and the line counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// One per call, in order of start.
    pub truth: Vec<Truth>,
    /// What was written.
    pub counts: Counts,
}

/// Writes the log for `config` to `out` and returns what it holds.
pub fn generate(config: &Config, out: &mut dyn Write) -> io::Result<Generated> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let people = consultants();
    let day_start = config.date.and_hms_opt(7, 0, 0).unwrap_or_default().and_utc().timestamp();
    let mut starts: Vec<i64> = (0..config.calls).map(|_| day_start + rng.random_range(0..12 * 3600)).collect();
    starts.sort_unstable();
    let open_from = config.calls - if config.open_tail { config.calls.div_ceil(100) } else { 0 };
    let mut writer = Writer::new(config, out);
    let mut truth = Vec::with_capacity(config.calls);
    for (index, &start) in starts.iter().enumerate() {
        writer.flush_before(start, &mut rng)?;
        let kind = Kind::pick(&mut rng);
        let mut call = scenario::Builder::new(&mut rng, &people).build(kind, start);
        if index >= open_from {
            call.events.retain(|(_, body)| body["event_name"] != "dialog_close");
            (call.truth.end, call.truth.hangup_side, call.truth.outcome) = (None, "none", "open");
        }
        if rng.random_bool(0.03) {
            let at = start + rng.random_range(0..20);
            let person = &people[index % people.len()];
            let body = payload::other(&scenario::stamp(at), rng.random(), &call.truth.legs[0], person);
            writer.schedule(at, Line::Other(body.to_string()));
        }
        for (at, body) in call.events {
            writer.schedule(at, Line::Event(body.to_string()));
        }
        truth.push(call.truth);
    }
    writer.flush_before(i64::MAX, &mut rng)?;
    Ok(Generated { truth, counts: writer.counts })
}

/// A line waiting to be written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Line {
    Event(String),
    Duplicate(String),
    Other(String),
}

/// Writes scheduled lines in time order, adding the configured faults.
struct Writer<'a> {
    config: &'a Config,
    out: &'a mut dyn Write,
    pending: BinaryHeap<Reverse<(i64, u64, Line)>>,
    next: u64,
    held: Option<String>,
    counts: Counts,
}

impl<'a> Writer<'a> {
    fn new(config: &'a Config, out: &'a mut dyn Write) -> Self {
        Writer { config, out, pending: BinaryHeap::new(), next: 0, held: None, counts: Counts::default() }
    }

    fn schedule(&mut self, at: i64, line: Line) {
        self.pending.push(Reverse((at, self.next, line)));
        self.next += 1;
    }

    /// Writes every line due before `time`.
    fn flush_before(&mut self, time: i64, rng: &mut ChaCha8Rng) -> io::Result<()> {
        while self.pending.peek().is_some_and(|Reverse((at, _, _))| *at < time) {
            let Some(Reverse((at, _, line))) = self.pending.pop() else { break };
            if rng.random_bool(self.config.garbage) {
                self.emit(garbage(rng))?;
                self.counts.garbage += 1;
            }
            let text = match line {
                Line::Event(text) => {
                    self.counts.events += 1;
                    if rng.random_bool(self.config.duplicates) {
                        self.schedule(at + rng.random_range(0..5), Line::Duplicate(text.clone()));
                    }
                    text
                }
                Line::Duplicate(text) => {
                    self.counts.duplicates += 1;
                    text
                }
                Line::Other(text) => {
                    self.counts.other_events += 1;
                    text
                }
            };
            if self.held.is_none() && rng.random_bool(self.config.reorder) {
                self.held = Some(text);
                continue;
            }
            self.emit(text)?;
            if let Some(held) = self.held.take() {
                self.emit(held)?;
            }
        }
        if time == i64::MAX {
            if let Some(held) = self.held.take() {
                self.emit(held)?;
            }
        }
        Ok(())
    }

    fn emit(&mut self, line: String) -> io::Result<()> {
        self.counts.lines += 1;
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")
    }
}

/// A line that is not an event: a truncated body, plain text, or JSON of the wrong shape.
fn garbage(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..3) {
        0 => r#"{"event_type":"user_dialog","event_name":"dialog_cre"#.to_owned(),
        1 => "502 Bad Gateway".to_owned(),
        _ => r#"["user_dialog","dialog_close"]"#.to_owned(),
    }
}

/// The consultant pool: twenty people in five projects.
fn consultants() -> Vec<Person> {
    const FIRST: [&str; 10] =
        ["Anna", "Jan", "Łucja", "Paweł", "Ewa", "Piotr", "Zofia", "Tomasz", "Małgorzata", "Krzysztof"];
    const LAST: [&str; 10] = [
        "Nowak",
        "Kowalski",
        "Wiśniewska",
        "Wójcik",
        "Zielińska",
        "Lewandowski",
        "Kamińska",
        "Dąbrowski",
        "Szymańska",
        "Woźniak",
    ];
    const PROJECTS: [&str; 5] = ["Sprzedaż", "Wsparcie", "Reklamacje", "Windykacja", "Projekt \"Lato\""];
    (0..20)
        .map(|i| {
            let (first, last) = (FIRST[i % 10], LAST[(i * 3 + i / 10) % 10]);
            Person {
                id: 100 + i as u32,
                username: format!("{}.{}", ascii(first), ascii(last)),
                first: first.to_owned(),
                last: last.to_owned(),
                project: PROJECTS[i % 5].to_owned(),
                project_id: 1 + (i % 5) as u32,
            }
        })
        .collect()
}

/// Lower-case ASCII login from a Polish name.
fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'ą' => 'a',
            'ć' => 'c',
            'ę' => 'e',
            'ł' | 'Ł' => 'l',
            'ń' => 'n',
            'ó' => 'o',
            'ś' => 's',
            'ź' | 'ż' => 'z',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}
