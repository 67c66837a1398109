//! Generated days held against the generator's own truth: every call of every kind, with
//! re-deliveries, reordered lines and garbage mixed in, must come out with exactly the figures
//! the scenario gave it, and every line must be accounted for.

use std::io::Cursor;

use callflow::load::{load_readers, LoadOptions};
use callflow::metrics;
use callflow_generate::{generate, Config, Kind, Truth};

fn figures_match(config: &Config) {
    let mut log = Vec::new();
    let generated = generate(config, &mut log).unwrap();
    let loaded = load_readers([("day".to_string(), Cursor::new(log))], &LoadOptions::default()).unwrap();
    let ds = &loaded.dataset;
    let counts = &loaded.diagnostics.counts;
    assert!(counts.balanced(), "{counts:?}");
    assert_eq!(counts.lines, generated.counts.lines);
    assert_eq!(counts.bad_lines, generated.counts.garbage);
    assert_eq!(counts.other_events, generated.counts.other_events);
    assert_eq!(counts.duplicates, generated.counts.duplicates);
    assert_eq!(counts.events, generated.counts.events);

    let mut truth: Vec<&Truth> = generated.truth.iter().collect();
    truth.sort_by(|a, b| (a.start, &a.call_id).cmp(&(b.start, &b.call_id)));
    assert_eq!(ds.calls.len(), truth.len());
    for (call, want) in ds.calls.iter().zip(truth) {
        let f = &call.figures;
        let got = (
            ds.str(call.id),
            ds.opt_str(f.direction),
            f.start,
            f.answered_at,
            f.end,
            metrics::hangup_side(ds, f).into_owned(),
            f.outcome().name(),
            ds.opt_str(f.consultant),
            ds.opt_str(f.project),
            ds.opt_str(f.client),
            f.legs as usize,
        );
        let expected = (
            want.call_id.as_str(),
            Some(want.direction),
            want.start,
            want.answered_at,
            want.end,
            want.hangup_side.to_string(),
            want.outcome,
            want.consultant.as_deref(),
            want.project.as_deref(),
            want.client.as_deref(),
            want.legs.len(),
        );
        assert_eq!(got, expected, "{:?} call", want.kind);
    }
}

#[test]
fn a_clean_day_gives_the_true_figures() {
    figures_match(&Config::new(600, 11));
}

#[test]
fn a_messy_day_gives_the_true_figures_and_accounts_for_every_line() {
    let config = Config { duplicates: 0.05, reorder: 0.05, garbage: 0.01, open_tail: true, ..Config::new(600, 12) };
    figures_match(&config);
}

#[test]
fn the_generator_makes_every_kind_deterministically() {
    let config = Config { duplicates: 0.02, ..Config::new(300, 5) };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let truth = generate(&config, &mut a).unwrap().truth;
    generate(&config, &mut b).unwrap();
    assert_eq!(a, b);
    let mut other = Vec::new();
    generate(&Config::new(300, 6), &mut other).unwrap();
    assert_ne!(a, other);
    for kind in Kind::ALL {
        assert!(truth.iter().any(|t| t.kind == kind), "no {kind:?} call");
    }
    let per_call = a.len() / truth.len();
    assert!((4_000..8_000).contains(&per_call), "{per_call} bytes per call");
}
