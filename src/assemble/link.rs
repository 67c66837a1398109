//! Legs -> calls: union-find over parent links, each call's root, and the order of calls
//! (by start, then call id) and of each call's legs (by their first event).

use rayon::prelude::*;

use super::{Seen, NO_LEG};
use crate::model::intern::{Strings, Sym};
use crate::model::{Flags, Leg, Seq, Span};

/// The calls to build: legs (indices in order of first sight) in final order, and each
/// call's run of them.
pub(super) struct Plan {
    pub calls: Vec<CallPlan>,
    pub order: Vec<u32>,
}

/// One call: its id, root leg, start, legs (a span of `Plan::order`) and the flags found
/// while linking.
pub(super) struct CallPlan {
    pub id: Sym,
    /// The first eight bytes of the id's text, zero-padded, as a big-endian number: it orders
    /// as the text does, so the sort compares whole texts only when these are equal.
    prefix: u64,
    pub root: u32,
    pub start: i64,
    pub legs: Span,
    pub flags: Flags,
}

/// Groups legs into calls, picks each call's root, and orders calls by (start, call_id) and
/// each call's legs by their first event.
pub(super) fn plan_calls(legs: &[Leg], seen: &[Seen], strings: &Strings) -> Plan {
    let components = components(seen);
    let first = |l: u32| seen[l as usize].first();
    let mut calls = Vec::new();
    let mut order = Vec::with_capacity(legs.len());
    let mut group = Vec::new();
    let (grouped, starts) = by_component(&components);
    drop(components);
    for members in starts.windows(2).map(|w| &grouped[w[0] as usize..w[1] as usize]).filter(|m| !m.is_empty()) {
        group.clear();
        group.extend_from_slice(members);
        group.sort_unstable_by_key(|&l| first(l));
        let has_parent = |l: u32| seen[l as usize].parent != NO_LEG;
        let (root, flags) = match group.iter().copied().find(|&l| !has_parent(l)) {
            Some(root) if first(root).is_none() => (root, Flags::MISSING_ROOT),
            Some(root) => (root, Flags::empty()),
            // A cycle: no leg without a parent. Take the earliest leg, uuid breaking ties.
            None => {
                let uuid = |l: u32| strings.resolve(legs[l as usize].uuid);
                let root = group.iter().copied().min_by_key(|&l| (first(l).map(|f| f.0), uuid(l)));
                (root.unwrap_or(group[0]), Flags::LINK_CYCLE)
            }
        };
        let start = order.len() as u32;
        order.extend(group.iter().copied().filter(|&l| first(l).is_some()));
        if let Some(&earliest) = order.get(start as usize) {
            let legs_span = Span { start, end: order.len() as u32 };
            let start = first(earliest).map_or(0, |f: (i64, Seq)| f.0);
            let id = legs[root as usize].uuid;
            let mut prefix = [0u8; 8];
            let text = strings.resolve(id).as_bytes();
            prefix[..text.len().min(8)].copy_from_slice(&text[..text.len().min(8)]);
            let prefix = u64::from_be_bytes(prefix);
            calls.push(CallPlan { id, prefix, root, start, legs: legs_span, flags });
        }
    }
    calls.par_sort_unstable_by(|a, b| {
        (a.start, a.prefix).cmp(&(b.start, b.prefix)).then_with(|| strings.resolve(a.id).cmp(strings.resolve(b.id)))
    });
    Plan { calls, order }
}

/// Union-find over parent links: the component root of every leg.
pub(super) fn components(seen: &[Seen]) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..seen.len() as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    for (child, leg) in seen.iter().enumerate() {
        if leg.parent != NO_LEG {
            let (a, b) = (find(&mut parent, child as u32), find(&mut parent, leg.parent));
            parent[a.max(b) as usize] = a.min(b);
        }
    }
    (0..seen.len() as u32).map(|x| find(&mut parent, x)).collect()
}

/// The legs grouped by component with a counting sort (components are numbered by leg):
/// the legs of component `c` are `grouped[starts[c]..starts[c + 1]]`.
fn by_component(components: &[u32]) -> (Vec<u32>, Vec<u32>) {
    // Each component's end first; placing legs from the last down turns it into its start.
    let mut starts = vec![0u32; components.len() + 1];
    for &c in components {
        starts[c as usize] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut grouped = vec![0u32; components.len()];
    for (leg, &c) in components.iter().enumerate().rev() {
        starts[c as usize] -= 1;
        grouped[starts[c as usize] as usize] = leg as u32;
    }
    (grouped, starts)
}
