//! Calls and legs as output records: the stable, named columns shared by every command that
//! prints a call (`calls`, and `timeline`'s header). Values are resolved and formatted for
//! output here (times in the chosen zone); no figure is computed here.

use std::borrow::Cow;

use serde::Serialize;

use crate::metrics::{self, LegFigures};
use crate::model::{Call, Dataset, Flags, Leg};
use crate::render::csv_layout::CsvLayout;
use crate::render::formula_safe;
use crate::report::timefmt::{Stamp, Zone};

/// One call, with the columns of `calls` in their fixed order.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct CallRecord<'a> {
    /// Root leg uuid.
    pub call_id: &'a str,
    /// `INBOUND` / `OUTBOUND`.
    pub direction: Option<&'a str>,
    /// Earliest event, RFC 3339.
    pub start: Stamp,
    /// Earliest `talking`, RFC 3339.
    pub answered_at: Option<Stamp>,
    /// Latest close, RFC 3339.
    pub end: Option<Stamp>,
    /// Seconds from start to answer.
    pub wait_s: Option<i64>,
    /// Seconds from answer to end.
    pub talk_s: Option<i64>,
    /// Seconds from start to end.
    pub duration_s: Option<i64>,
    /// `client`, `consultant`, `none`, or another leg type.
    pub hangup_side: Cow<'a, str>,
    /// `answered`, `not_answered` or `open`.
    pub outcome: &'static str,
    /// Consultant username.
    pub consultant: Option<&'a str>,
    /// Project name.
    pub project: Option<&'a str>,
    /// Client number.
    pub client: Option<&'a str>,
    /// Number of legs.
    pub legs: u32,
    /// Close cause of the leg that ended the call (the hangup leg, else the first to close).
    pub close_cause: Option<&'a str>,
    /// Data-quality flags: a list in JSON, `;`-separated in CSV.
    #[serde(serialize_with = "flag_list")]
    pub flags: Flags,
}

impl<'a> CallRecord<'a> {
    /// The record of a call, times in `zone`.
    pub fn new(ds: &'a Dataset, call: &Call, zone: &Zone) -> Self {
        let f = &call.figures;
        CallRecord {
            call_id: ds.str(call.id),
            direction: ds.opt_str(f.direction),
            start: zone.stamp(f.start),
            answered_at: f.answered_at.map(|t| zone.stamp(t)),
            end: f.end.map(|t| zone.stamp(t)),
            wait_s: f.wait_s(),
            talk_s: f.talk_s(),
            duration_s: f.duration_s(),
            hangup_side: metrics::hangup_side(ds, f),
            outcome: f.outcome().name(),
            consultant: ds.opt_str(f.consultant),
            project: ds.opt_str(f.project),
            client: ds.opt_str(f.client),
            legs: f.legs,
            close_cause: ds.opt_str(f.close_cause),
            flags: f.flags,
        }
    }
}

impl CallRecord<'_> {
    /// Writes the record as one CSV row in `layout`, field by field: the same values as its
    /// JSON form, without the serde machinery per field, since a day's report is hundreds of
    /// thousands of rows. `layout.safe` guards the text columns against formula injection.
    pub fn write_csv<W: std::io::Write>(&self, out: &mut csv::Writer<W>, layout: &CsvLayout) -> csv::Result<()> {
        let (mut wait, mut talk, mut duration, mut legs) =
            (itoa::Buffer::new(), itoa::Buffer::new(), itoa::Buffer::new(), itoa::Buffer::new());
        let safe = layout.safe;
        let flags = self.flags.names();
        let fields: [Cow<'_, str>; 16] = [
            formula_safe(self.call_id, safe),
            formula_safe(self.direction.unwrap_or(""), safe),
            self.start.as_str().into(),
            self.answered_at.as_ref().map_or("", Stamp::as_str).into(),
            self.end.as_ref().map_or("", Stamp::as_str).into(),
            number(&mut wait, self.wait_s).into(),
            number(&mut talk, self.talk_s).into(),
            number(&mut duration, self.duration_s).into(),
            formula_safe(&self.hangup_side, safe),
            self.outcome.into(),
            formula_safe(self.consultant.unwrap_or(""), safe),
            formula_safe(self.project.unwrap_or(""), safe),
            formula_safe(self.client.unwrap_or(""), safe),
            legs.format(self.legs).into(),
            formula_safe(self.close_cause.unwrap_or(""), safe),
            flags.into(),
        ];
        layout.write_record(out, &fields.each_ref().map(|field| field.as_bytes()))
    }
}

/// The flags as a JSON list of names, `[]` when clean.
fn flag_list<S: serde::Serializer>(flags: &Flags, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(Flags::NAMES.iter().filter(|(flag, _)| flags.contains(*flag)).map(|(_, name)| name))
}

/// A number's digits, or nothing.
fn number(buffer: &mut itoa::Buffer, n: Option<i64>) -> &str {
    n.map_or("", |n| buffer.format(n))
}

/// One leg of a call, for `legs_detail`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct LegRecord<'a> {
    /// Leg uuid.
    pub dialog_uuid: &'a str,
    /// `CONSULTANT`, `EXTERNAL`, …
    pub dialog_type: Option<&'a str>,
    /// Its `dialog_create`, RFC 3339.
    pub created: Option<Stamp>,
    /// Its first `answered`/`talking`, RFC 3339.
    pub answered: Option<Stamp>,
    /// Its close, RFC 3339.
    pub closed: Option<Stamp>,
    /// Its close cause.
    pub close_cause: Option<&'a str>,
    /// Seconds from creation to answer.
    pub ring_s: Option<i64>,
}

impl<'a> LegRecord<'a> {
    /// The record of a leg, times in `zone`.
    pub fn new(ds: &'a Dataset, leg: &Leg, zone: &Zone) -> Self {
        let fig: LegFigures = metrics::leg_figures(ds.events_of(leg), &ds.known);
        LegRecord {
            dialog_uuid: ds.str(leg.uuid),
            dialog_type: ds.opt_str(leg.info.and_then(|i| i.dialog_type)),
            created: fig.created.map(|(t, _)| zone.stamp(t)),
            answered: fig.answered.map(|(t, _)| zone.stamp(t)),
            closed: fig.closed.map(|(t, _)| zone.stamp(t)),
            close_cause: ds.opt_str(fig.close_cause),
            ring_s: fig.ring_s(),
        }
    }
}

/// A call with its legs: the JSON shape of `calls`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct CallDetail<'a> {
    /// The call's columns.
    #[serde(flatten)]
    pub call: CallRecord<'a>,
    /// Per leg figures.
    pub legs_detail: Vec<LegRecord<'a>>,
}

impl<'a> CallDetail<'a> {
    /// The call and its legs, times in `zone`.
    pub fn new(ds: &'a Dataset, call: &Call, zone: &Zone) -> Self {
        CallDetail {
            call: CallRecord::new(ds, call, zone),
            legs_detail: ds.legs_of(call).iter().map(|leg| LegRecord::new(ds, leg, zone)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_readers, LoadOptions};

    #[test]
    fn csv_rows_written_field_by_field_say_what_the_json_says() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let inputs = std::fs::read_dir(dir).unwrap().map(|entry| {
            let path = entry.unwrap().path();
            (path.display().to_string(), std::io::Cursor::new(std::fs::read(&path).unwrap()))
        });
        let loaded = load_readers(inputs, &LoadOptions::default()).unwrap();
        let ds = &loaded.dataset;
        assert!(ds.calls.len() > 10);
        assert!(ds.calls.iter().any(|c| !c.figures.flags.is_empty()), "a call with a flag");
        let layout = CsvLayout::default();
        for zone in [Zone::Utc, "Europe/Warsaw".parse().unwrap()] {
            for call in &ds.calls {
                let record = CallRecord::new(ds, call, &zone);
                let mut row = Vec::new();
                let mut writer = layout.writer(&mut row);
                record.write_csv(&mut writer, &layout).unwrap();
                drop(writer);
                let fields = csv::ReaderBuilder::new().has_headers(false).from_reader(&row[..]).records().next();
                let fields = fields.unwrap().unwrap();
                let json = serde_json::to_value(&record).unwrap();
                for (column, field) in crate::cmd::calls::CSV_COLUMNS.iter().zip(&fields) {
                    let expected = match &json[column] {
                        serde_json::Value::Null => String::new(),
                        serde_json::Value::String(text) => text.clone(),
                        serde_json::Value::Array(names) => {
                            names.iter().map(|n| n.as_str().unwrap()).collect::<Vec<_>>().join(";")
                        }
                        other => other.to_string(),
                    };
                    assert_eq!(field, expected, "{column} of {}", record.call_id);
                }
                assert_eq!(fields.len(), json.as_object().unwrap().len());
            }
        }
    }
}
