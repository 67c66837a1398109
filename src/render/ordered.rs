//! Rows that become final out of order, written in order. Calls settle when their last leg
//! closes, not in the order they started; their rows are rendered as they settle, held, and
//! released in (start, call id) order once nothing earlier can still come (the watermark).
//! The bytes are those of rendering every row at the end, while memory holds only the rows
//! waiting for an earlier call still in progress.

use std::io::Write;

use rayon::prelude::*;

/// Where a row sorts: the call's start, then its id.
pub(crate) type Key = (i64, Box<str>);

/// Rendered rows in key order, with where each ends in `bytes`.
#[derive(Debug, Default)]
pub(crate) struct Run {
    keys: Vec<Key>,
    ends: Vec<usize>,
    bytes: Vec<u8>,
    next: usize,
}

impl Run {
    /// Renders `items` (in key order) into one run, in parallel, `key` and `render` giving
    /// each item's key and bytes.
    pub fn render<T: Sync>(
        items: &[T],
        key: impl Fn(&T) -> Key + Sync,
        render: impl Fn(&T, &mut Vec<u8>) -> anyhow::Result<()> + Sync,
    ) -> anyhow::Result<Run> {
        let parts: Vec<anyhow::Result<Run>> = items
            .par_chunks(1024)
            .map(|items| {
                let mut run = Run::default();
                for item in items {
                    render(item, &mut run.bytes)?;
                    run.keys.push(key(item));
                    run.ends.push(run.bytes.len());
                }
                Ok(run)
            })
            .collect();
        let mut whole = Run::default();
        for part in parts {
            let part = part?;
            let base = whole.bytes.len();
            whole.bytes.extend_from_slice(&part.bytes);
            whole.ends.extend(part.ends.iter().map(|end| base + end));
            whole.keys.extend(part.keys);
        }
        Ok(whole)
    }

    fn peek(&self) -> Option<&Key> {
        self.keys.get(self.next)
    }

    fn take(&mut self) -> &[u8] {
        let start = if self.next == 0 { 0 } else { self.ends[self.next - 1] };
        self.next += 1;
        &self.bytes[start..self.ends[self.next - 1]]
    }
}

/// Runs waiting to be written, merged by key.
#[derive(Debug, Default)]
pub(crate) struct Ordered {
    runs: Vec<Run>,
    last: Option<Key>,
    /// Rows written after a row that sorts after them: their call settled after an earlier
    /// row was released, because the input was out of order by more than the grace.
    pub out_of_order: u64,
}

impl Ordered {
    /// Holds a run.
    pub fn add(&mut self, run: Run) {
        if run.peek().is_some() {
            self.runs.push(run);
        }
    }

    /// Writes, in key order, every held row that starts before `watermark` (all of them for
    /// `None`).
    pub fn release(&mut self, watermark: Option<i64>, out: &mut dyn Write) -> anyhow::Result<()> {
        loop {
            let next = self.runs.iter().enumerate().filter_map(|(i, run)| run.peek().map(|key| (key, i))).min();
            let Some((key, i)) = next else { break };
            if watermark.is_some_and(|watermark| key.0 >= watermark) {
                break;
            }
            let key = key.clone();
            if self.last.as_ref().is_some_and(|last| key < *last) {
                self.out_of_order += 1;
            } else {
                self.last = Some(key);
            }
            out.write_all(self.runs[i].take())?;
        }
        self.runs.retain(|run| run.peek().is_some());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(keys: &[(i64, &str)]) -> Run {
        Run::render(
            keys,
            |(start, id)| (*start, (*id).into()),
            |(start, id), out| {
                writeln!(out, "{start} {id}")?;
                Ok(())
            },
        )
        .unwrap()
    }

    #[test]
    fn rows_come_out_in_key_order_up_to_the_watermark() {
        let mut ordered = Ordered::default();
        ordered.add(run(&[(1, "b"), (5, "a")]));
        ordered.add(run(&[(1, "a"), (3, "z"), (9, "q")]));
        let mut out = Vec::new();
        ordered.release(Some(5), &mut out).unwrap();
        assert_eq!(String::from_utf8(out.clone()).unwrap(), "1 a\n1 b\n3 z\n");
        ordered.add(run(&[(6, "c")]));
        ordered.release(None, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "1 a\n1 b\n3 z\n5 a\n6 c\n9 q\n");
        assert_eq!(ordered.out_of_order, 0);
    }

    #[test]
    fn a_row_later_than_its_turn_is_written_and_counted() {
        let mut ordered = Ordered::default();
        ordered.add(run(&[(5, "a")]));
        let mut out = Vec::new();
        ordered.release(Some(10), &mut out).unwrap();
        ordered.add(run(&[(2, "late")]));
        ordered.release(Some(10), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "5 a\n2 late\n");
        assert_eq!(ordered.out_of_order, 1);
    }
}
