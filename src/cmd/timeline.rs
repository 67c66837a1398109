//! `callflow timeline`: the story of one call, found by any of its legs, or of every call that
//! passes the filters: its figures (the very records of `calls`), its legs, its events in time
//! order, a ladder diagram, and the sentences that explain its figures.
//!
//! With `--call`, the call is found by `locate` without parsing every line, unless an input
//! cannot be read twice, `--strict` asks about every line, or the search stops paying; then
//! everything is loaded. The
//! figures come from `record` and the sentences from `explain`; nothing is computed here.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;

use chrono::Datelike;
use serde::Serialize;

use crate::config::{InputSettings, OutputSettings, ReportSettings};
use crate::diagnostics::{CallTally, Read};
use crate::event::EventKind;
use crate::exit::{ExitCode, UsageError};
use crate::load::Loaded;
use crate::locate::{self, CallId, LookupError};
use crate::metrics::{self, LegFigures};
use crate::model::{Call, Dataset, Leg};
use crate::render::ladder::{Lane, Mark, Step};
use crate::render::text::visible;
use crate::render::{self, human_duration, mermaid, Render};
use crate::report::explain::{self, Explanation, Happened};
use crate::report::hint::Present;
use crate::report::rows::{CallDetail, CallRecord, LegRecord};
use crate::report::select::Selection;
use crate::report::timefmt::{Stamp, Zone};

mod text;

/// The CSV columns: one row per event of every call shown, for pivoting in a spreadsheet.
pub const CSV_COLUMNS: [&str; 9] =
    ["call_id", "time", "offset_s", "dialog_uuid", "dialog_type", "event_name", "state", "close_cause", "duplicate"];

/// Runs `timeline`; `mermaid` draws sequence diagrams instead of the chosen format.
pub fn run(
    settings: &ReportSettings,
    mermaid: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let ReportSettings { input, output, selection } = settings;
    // Its listings show every input event of a call, re-deliveries marked.
    let mut input = input.clone();
    input.load.keep_redeliveries = true;
    let input = &input;
    let mut selection = selection.clone();
    let asked = selection.call.take();
    let loaded = match &asked {
        Some(id) => load_call(input, id, err)?,
        None => super::load_reported(input, err)?,
    };
    let ds = &loaded.dataset;
    let calls: Vec<&Call> = match &asked {
        Some(id) => vec![the_call(ds, id, &selection)?],
        None => selection.apply(ds).collect(),
    };
    super::explain_empty(&selection, &Present::of(&selection, ds), &output.zone, calls.len(), err)?;
    write(ds, &calls, output, mermaid, out)?;
    let mut tally = CallTally::default();
    calls.iter().for_each(|call| tally.add(call));
    Ok(super::status_of(input, &loaded.diagnostics, &tally))
}

/// Loads what the asked call needs: only its lines when the inputs allow, else everything.
fn load_call(input: &InputSettings, id: &CallId, err: &mut dyn Write) -> anyhow::Result<Loaded> {
    // --strict judges every line, so it has to read every line.
    let located = if input.strict { None } else { locate::locate(&input.inputs, id, &input.load)? };
    let Some(loaded) = located else {
        return super::load_reported(input, err);
    };
    loaded.diagnostics.report_bad_lines(err, input.color_stderr, Read::OneCall, input.load.redact.is_some())?;
    Ok(loaded)
}

/// The call the ID names, if it also passes the other filters.
fn the_call<'a>(ds: &'a Dataset, id: &CallId, selection: &Selection) -> anyhow::Result<&'a Call> {
    let call = locate::find_call(ds, id).map_err(|e| match e {
        LookupError::Ambiguous(..) => anyhow::Error::new(UsageError(e.to_string())),
        LookupError::NotFound(_) => anyhow::Error::new(e),
    })?;
    anyhow::ensure!(
        selection.matches(ds, call),
        "the call {} of --call {:?} does not pass the other filters",
        ds.str(call.id),
        id.as_str()
    );
    Ok(call)
}

/// Writes the timelines of the calls in the chosen format (or as Mermaid diagrams).
pub fn write(
    ds: &Dataset,
    calls: &[&Call],
    output: &OutputSettings,
    mermaid: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let zone = &output.zone;
    let stories = calls.iter().map(|call| Story::new(ds, call, zone));
    if mermaid {
        for (i, story) in stories.enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            let title = format!("call {}", story.detail.call.call_id);
            mermaid::write(&title, &story.lanes, &story.steps, &story.summary(), out)?;
        }
        return Ok(());
    }
    render::write(output.format, &Timelines { ds, calls, output }, out)
}

/// The timelines of some calls, as written.
struct Timelines<'a> {
    ds: &'a Dataset,
    calls: &'a [&'a Call],
    output: &'a OutputSettings,
}

impl Timelines<'_> {
    fn stories(&self) -> impl Iterator<Item = Story<'_>> {
        self.calls.iter().map(|call| Story::new(self.ds, call, &self.output.zone))
    }
}

impl Render for Timelines<'_> {
    fn table(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        for (i, story) in self.stories().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            text::write(&story, self.output, out)?;
        }
        Ok(())
    }

    fn csv(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let safe = self.output.csv.safe;
        self.output.csv.write(
            &CSV_COLUMNS,
            self.stories().flat_map(|story| story.csv_rows(safe)).map(CsvRow::fields),
            out,
        )
    }

    fn json(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        render::write_json_lines(self.stories(), out)
    }
}

/// One call's timeline, ready for every format. Serialized, it is the JSON object.
#[derive(Debug, Serialize)]
pub(crate) struct Story<'a> {
    /// The call's record, exactly as `calls --format json` writes it.
    #[serde(rename = "call")]
    pub detail: CallDetail<'a>,
    /// Its legs, with who they are and how they link.
    pub legs: Vec<LegLine<'a>>,
    /// Every event of its legs by time, duplicates included and flagged.
    pub events: Vec<EventLine<'a>>,
    /// Why its figures are what they are.
    pub explanation: Vec<Explanation>,
    /// The call's start, Unix seconds.
    #[serde(skip)]
    pub start: i64,
    /// The legs as ladder lanes.
    #[serde(skip)]
    pub lanes: Vec<Lane>,
    /// The events that count (no duplicates) as ladder steps.
    #[serde(skip)]
    pub steps: Vec<Step>,
}

/// One leg of the call: its `legs_detail` record plus side, party and parent.
#[derive(Debug, Serialize)]
pub(crate) struct LegLine<'a> {
    /// The leg's figures, as in `legs_detail`.
    #[serde(flatten)]
    pub record: LegRecord<'a>,
    /// `client`, `consultant`, another type in lower case, `unknown`.
    pub side: Cow<'a, str>,
    /// Username of a consultant, number of a client.
    pub party: Option<&'a str>,
    /// The uuid of the leg it links to.
    pub parent: Option<&'a str>,
    /// Its moments, for the text view.
    #[serde(skip)]
    pub figures: LegFigures,
}

/// One event of the call.
#[derive(Debug, Serialize)]
pub(crate) struct EventLine<'a> {
    /// `event_time`, RFC 3339 in the chosen zone.
    pub time: String,
    /// Seconds since the call's start.
    pub offset_s: i64,
    /// Its leg.
    pub dialog_uuid: &'a str,
    /// `dialog_create`, `dialog_state_update` or `dialog_close`.
    pub event_name: &'static str,
    /// The state it carries.
    pub state: Option<&'a str>,
    /// The close cause, on closes.
    pub close_cause: Option<&'a str>,
    /// A re-delivery of an earlier event: it counts for nothing.
    pub duplicate: bool,
    /// It arrived after an event of the call with a later time.
    pub out_of_order: bool,
    /// Unix seconds, for the text view.
    #[serde(skip)]
    pub unix: i64,
    /// Its leg's `dialog_type`, for CSV.
    #[serde(skip)]
    pub dialog_type: Option<&'a str>,
    /// Its leg's lane (index within the call), for the text view.
    #[serde(skip)]
    pub lane: usize,
}

/// One row of `--format csv`.
#[derive(Debug)]
struct CsvRow<'a> {
    call_id: Cow<'a, str>,
    time: String,
    offset_s: i64,
    dialog_uuid: Cow<'a, str>,
    dialog_type: Option<Cow<'a, str>>,
    event_name: &'static str,
    state: Option<Cow<'a, str>>,
    close_cause: Option<Cow<'a, str>>,
    duplicate: bool,
}

impl CsvRow<'_> {
    /// Every field in [`CSV_COLUMNS`] order, as serde would write them.
    fn fields(self) -> [String; 9] {
        let text = |value: Option<Cow<'_, str>>| value.map(Cow::into_owned).unwrap_or_default();
        [
            self.call_id.into_owned(),
            self.time,
            self.offset_s.to_string(),
            self.dialog_uuid.into_owned(),
            text(self.dialog_type),
            self.event_name.to_owned(),
            text(self.state),
            text(self.close_cause),
            self.duplicate.to_string(),
        ]
    }
}

impl<'a> Story<'a> {
    /// Builds the timeline of `call`, times in `zone`.
    pub fn new(ds: &'a Dataset, call: &Call, zone: &Zone) -> Self {
        let happened = explain::chronological(ds, call);
        let legs: Vec<LegLine<'a>> = ds.legs_of(call).iter().map(|leg| leg_line(ds, leg, zone)).collect();
        let start = call.figures.start;
        let events = happened.iter().map(|h| event_line(ds, call, h, start, zone)).collect();
        let uuids: Vec<&str> = legs.iter().map(|leg| leg.record.dialog_uuid).collect();
        let ids = explain::short_ids(&uuids);
        let index: HashMap<&str, usize> = uuids.iter().enumerate().map(|(i, uuid)| (*uuid, i)).collect();
        let lanes = legs.iter().zip(ids).map(|(leg, id)| lane(&index, leg, id)).collect();
        let steps = happened.iter().filter(|h| !h.event.duplicate()).map(|h| step(ds, call, h)).collect();
        Story {
            detail: CallDetail::new(ds, call, zone),
            legs,
            events,
            explanation: explain::explain(ds, call, zone),
            start,
            lanes,
            steps,
        }
    }

    /// `answered, wait 20s, talk 8s, client hung up`: the closing note of a diagram.
    fn summary(&self) -> String {
        let call = &self.detail.call;
        let mut parts = vec![call.outcome.to_string()];
        parts.extend(call.wait_s.map(|s| format!("wait {}", human_duration(s))));
        parts.extend(call.talk_s.map(|s| format!("talk {}", human_duration(s))));
        parts.push(match call.hangup_side.as_ref() {
            "none" => "nobody hung up".to_owned(),
            side => format!("{side} hung up"),
        });
        parts.join(", ")
    }

    /// The CSV rows of its events; text cells guarded against formula injection when `safe`.
    fn csv_rows(self, safe: bool) -> Vec<CsvRow<'a>> {
        let call_id = self.detail.call.call_id;
        let text = move |value: &'a str| render::formula_safe(value, safe);
        let rows = self.events.into_iter().map(move |e| CsvRow {
            call_id: text(call_id),
            time: e.time,
            offset_s: e.offset_s,
            dialog_uuid: text(e.dialog_uuid),
            dialog_type: e.dialog_type.map(text),
            event_name: e.event_name,
            state: e.state.map(text),
            close_cause: e.close_cause.map(text),
            duplicate: e.duplicate,
        });
        rows.collect()
    }
}

fn leg_line<'a>(ds: &'a Dataset, leg: &Leg, zone: &Zone) -> LegLine<'a> {
    let info = leg.info.unwrap_or_default();
    let dialog_type = info.dialog_type;
    let party = if dialog_type == Some(ds.known.consultant) {
        info.username.or(info.self_target)
    } else {
        info.self_target.or(info.username)
    };
    LegLine {
        record: LegRecord::new(ds, leg, zone),
        side: metrics::side_name(ds, dialog_type),
        party: ds.opt_str(party),
        parent: ds.opt_str(info.parent),
        figures: metrics::leg_figures(ds.events_of(leg), &ds.known),
    }
}

fn event_line<'a>(ds: &'a Dataset, call: &Call, happened: &Happened<'_>, start: i64, zone: &Zone) -> EventLine<'a> {
    let event = happened.event;
    let leg = &ds.legs[happened.leg as usize];
    EventLine {
        time: zone.rfc3339(event.time()),
        offset_s: event.time() - start,
        dialog_uuid: ds.str(leg.uuid),
        event_name: event.kind().name(),
        state: ds.opt_str(event.state),
        close_cause: ds.opt_str(event.close_cause),
        duplicate: event.duplicate(),
        out_of_order: happened.out_of_order,
        unix: event.time(),
        dialog_type: ds.opt_str(leg.info.and_then(|i| i.dialog_type)),
        lane: (happened.leg - call.legs.start) as usize,
    }
}

/// The leg's lane; `index` gives each leg's lane by its uuid, so a call of many legs costs no
/// search per leg. The ladder and the Mermaid diagram draw the names as they are: they are made
/// safe to show here.
fn lane(index: &HashMap<&str, usize>, leg: &LegLine<'_>, id: String) -> Lane {
    let parent = leg.parent.and_then(|p| index.get(p).copied());
    Lane {
        id: visible(&id).into_owned(),
        side: visible(&leg.side).into_owned(),
        party: visible(leg.party.unwrap_or_default()).into_owned(),
        parent,
    }
}

fn step(ds: &Dataset, call: &Call, happened: &Happened<'_>) -> Step {
    let event = happened.event;
    let state = ds.opt_str(event.state).unwrap_or_default();
    let (mark, label) = match event.kind() {
        EventKind::Create => (Mark::Created, if state.is_empty() { "created" } else { state }.to_owned()),
        EventKind::Close
            if Some(happened.leg) == call.figures.hangup_leg && event.close_cause == Some(ds.known.hangup) =>
        {
            (Mark::HungUp, "hung up".to_owned())
        }
        EventKind::Close => (Mark::Closed, ds.opt_str(event.close_cause).unwrap_or("closed").to_owned()),
        EventKind::State => {
            let mark = match state {
                "talking" => Mark::Talking,
                "answered" => Mark::Answered,
                "ringing" | "alerting" => Mark::Ringing,
                _ => Mark::Other,
            };
            (mark, state.to_owned())
        }
    };
    let lane = (happened.leg - call.legs.start) as usize;
    Step { lane, offset_s: event.time() - call.figures.start, mark, label: visible(&label).into_owned() }
}

/// A time of day for the text view, with the date when it is not the call's first day.
fn clock(zone: &Zone, start: i64, t: i64) -> String {
    let (first, local) = (zone.local(start), zone.local(t));
    if local.num_days_from_ce() == first.num_days_from_ce() {
        local.format("%H:%M:%S").to_string()
    } else {
        local.format("%m-%d %H:%M:%S").to_string()
    }
}

/// The header of the text view: every column of `calls`, by its name, with its value.
fn header(record: &CallRecord<'_>) -> Vec<(&'static str, String)> {
    let text = |v: Option<&str>| v.unwrap_or("-").to_owned();
    let time = |v: &Option<Stamp>| v.map_or_else(|| "-".to_owned(), |t| t.to_string());
    let seconds = |v: Option<i64>| match v {
        Some(s) if s >= 60 => format!("{s} ({})", human_duration(s)),
        Some(s) => s.to_string(),
        None => "-".to_owned(),
    };
    vec![
        ("call_id", record.call_id.to_owned()),
        ("direction", text(record.direction)),
        ("start", record.start.to_string()),
        ("answered_at", time(&record.answered_at)),
        ("end", time(&record.end)),
        ("wait_s", seconds(record.wait_s)),
        ("talk_s", seconds(record.talk_s)),
        ("duration_s", seconds(record.duration_s)),
        ("hangup_side", record.hangup_side.to_string()),
        ("outcome", record.outcome.to_owned()),
        ("consultant", text(record.consultant)),
        ("project", text(record.project)),
        ("client", text(record.client)),
        ("legs", record.legs.to_string()),
        ("close_cause", text(record.close_cause)),
        ("flags", if record.flags.is_empty() { "-".to_owned() } else { record.flags.names() }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_every_column_of_calls_in_its_order() {
        let loaded = crate::load::load_readers(
            [("seed".to_string(), std::io::Cursor::new(include_str!("../../tests/fixtures/seed_outbound.ndjson")))],
            &crate::load::LoadOptions::default(),
        )
        .unwrap();
        let ds = &loaded.dataset;
        let record = CallRecord::new(ds, &ds.calls[0], &Zone::Utc);
        let names: Vec<&str> = header(&record).iter().map(|(name, _)| *name).collect();
        assert_eq!(names, crate::cmd::calls::CSV_COLUMNS);
    }
}
