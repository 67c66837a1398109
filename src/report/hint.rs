//! Why a report kept no call. When the filters find nothing in an input that has calls, the
//! user is told which filter found nothing and which values near it the input does have
//! (`no call has consultant "ewa.wojcick"; did you mean "ewa.wojcik"?`). Words only: the
//! commands decide whether to print them.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::metrics;
use crate::model::Dataset;
use crate::render::counted;
use crate::report::select::{same_name, Selection};
use crate::report::timefmt::Zone;

/// Suggestions shown at most, nearest first.
const SUGGESTIONS: usize = 3;

/// Names of the input listed at most when none is near the value asked for.
const LISTED: usize = 5;

/// What the input's calls have, for the filters that are set: gathered call by call, as
/// calls settle, so that a streamed run can say why it kept none.
#[derive(Debug, Default, Clone)]
pub(crate) struct Present {
    /// Calls in the input.
    calls: u64,
    /// The earliest and latest start.
    starts: Option<(i64, i64)>,
    /// Some call starts in the time window.
    in_window: bool,
    /// Consultants, projects and hangup sides met, when those filters are set.
    consultants: BTreeSet<String>,
    projects: BTreeSet<String>,
    hangup_sides: BTreeSet<String>,
    /// Some call has the leg `--call` names.
    has_call: bool,
}

impl Present {
    /// Gathers what the calls of `ds` have, for `selection`'s filters.
    pub fn add(&mut self, selection: &Selection, ds: &Dataset) {
        for call in &ds.calls {
            let f = &call.figures;
            self.calls += 1;
            self.starts = Some(self.starts.map_or((f.start, f.start), |(a, b)| (a.min(f.start), b.max(f.start))));
            self.in_window |= selection.in_window(f.start);
            let keep = |set: &mut BTreeSet<String>, wanted: bool, value: Option<Cow<'_, str>>| {
                if let (true, Some(value)) = (wanted, value) {
                    if !set.contains(value.as_ref()) {
                        set.insert(value.into_owned());
                    }
                }
            };
            keep(&mut self.consultants, selection.consultant.is_some(), ds.opt_str(f.consultant).map(Cow::Borrowed));
            keep(&mut self.projects, selection.project.is_some(), ds.opt_str(f.project).map(Cow::Borrowed));
            keep(&mut self.hangup_sides, selection.hangup_side.is_some(), Some(metrics::hangup_side(ds, f)));
            if selection.call.is_some() && !self.has_call {
                self.has_call = selection.matches_call(ds, call);
            }
        }
    }

    /// What the calls of `ds` have, for `selection`'s filters.
    pub fn of(selection: &Selection, ds: &Dataset) -> Self {
        let mut present = Present::default();
        present.add(selection, ds);
        present
    }
}

/// One sentence per filter that alone keeps no call the input has; when each filter keeps
/// some call but not together, one sentence saying so. Empty when no filter is set.
pub(crate) fn why_empty(selection: &Selection, present: &Present, zone: &Zone) -> Vec<String> {
    let mut notes = Vec::new();
    let windowed = selection.since.is_some() || selection.until.is_some();
    if windowed && !present.in_window {
        notes.push(window_note(selection, present, zone));
    }
    if let Some(want) = &selection.consultant {
        notes.extend(name_note("consultant", want, &present.consultants));
    }
    if let Some(want) = &selection.project {
        notes.extend(name_note("project", want, &present.projects));
    }
    if let Some(want) = &selection.hangup_side {
        notes.extend(name_note("hangup side", want, &present.hangup_sides));
    }
    if let Some(id) = &selection.call {
        if !present.has_call {
            let id = id.as_str();
            notes.push(format!(
                "no call has a leg {id:?} (--call takes a full dialog_uuid or a prefix of at least 8 characters)"
            ));
        }
    }
    if notes.is_empty() && *selection != Selection::default() && present.calls > 0 {
        let calls = counted(present.calls, "call", "calls");
        notes.push(format!("none of the {calls} of the input passes all the filters together"));
    }
    notes
}

/// The time window that holds no call, and where the input's calls are.
fn window_note(selection: &Selection, present: &Present, zone: &Zone) -> String {
    let window = match (selection.since, selection.until) {
        (Some(since), Some(until)) => format!("between {} and {}", zone.rfc3339(since), zone.rfc3339(until)),
        (Some(since), None) => format!("at or after {}", zone.rfc3339(since)),
        (None, Some(until)) => format!("before {}", zone.rfc3339(until)),
        (None, None) => "in the window".to_owned(),
    };
    let span = match present.starts {
        Some((first, last)) => {
            format!("the input's calls start between {} and {}", zone.rfc3339(first), zone.rfc3339(last))
        }
        None => "the input has no call".to_owned(),
    };
    format!("no call starts {window}; {span}")
}

/// The sentence for a name no call has, with the nearest names the input has; `None` when
/// some call has it.
fn name_note(what: &str, want: &str, present: &BTreeSet<String>) -> Option<String> {
    if present.iter().any(|have| same_name(have, want)) {
        return None;
    }
    let quoted = |names: &[&String]| names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>();
    let near = nearest(want, present);
    let tail = if !near.is_empty() {
        format!("did you mean {}?", quoted(&near).join(" or "))
    } else if present.is_empty() {
        format!("no call has a {what} at all")
    } else {
        let shown: Vec<&String> = present.iter().take(LISTED).collect();
        let more = present.len() - shown.len();
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        format!("the input has {}{more}", quoted(&shown).join(", "))
    };
    Some(format!("no call has {what} {want:?}; {tail}"))
}

/// The names close to `want`: one contains the other, or they are a few edits apart (a third
/// of its length), regardless of case; nearest first.
fn nearest<'p>(want: &str, present: &'p BTreeSet<String>) -> Vec<&'p String> {
    let want = want.to_lowercase();
    let limit = (want.chars().count() / 3).max(1);
    let mut near: Vec<(usize, &String)> = present
        .iter()
        .filter_map(|name| {
            let have = name.to_lowercase();
            let distance = edit_distance(&have, &want);
            let contains = !want.is_empty() && (have.contains(&want) || want.contains(&have));
            (distance <= limit || contains).then_some((distance, name))
        })
        .collect();
    near.sort();
    near.into_iter().take(SUGGESTIONS).map(|(_, name)| name).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb)).min(above + 1).min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn suggests_near_names_and_lists_some_otherwise() {
        let people = set(&["ewa.wojcik", "ewa.zielinska", "tomasz.wojcik"]);
        assert_eq!(name_note("consultant", "EWA.WOJCIK", &people), None);
        assert_eq!(
            name_note("consultant", "ewa.wojcick", &people).unwrap(),
            r#"no call has consultant "ewa.wojcick"; did you mean "ewa.wojcik"?"#
        );
        assert_eq!(
            name_note("project", "reklamacje", &set(&["Reklamacje B2B", "Sprzedaż"])).unwrap(),
            r#"no call has project "reklamacje"; did you mean "Reklamacje B2B"?"#
        );
        assert_eq!(
            name_note("consultant", "jan", &people).unwrap(),
            r#"no call has consultant "jan"; the input has "ewa.wojcik", "ewa.zielinska", "tomasz.wojcik""#
        );
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("łódź", "lodz"), 3);
    }
}
