//! Horizontal bar charts drawn with Unicode block characters, for people at a terminal.
//! Bars have eighth-of-a-cell precision and need no extra crate. This module only draws the
//! values it is given; whether a chart is wanted (only on a terminal, never in CSV or JSON)
//! is the caller's decision.

use std::io::{self, Write};

/// Cells of the longest bar.
pub(crate) const BAR_WIDTH: usize = 30;

/// Partial cells, by eighths (index 0 unused: nothing to draw).
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// One line of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bar {
    /// What the bar stands for.
    pub label: String,
    /// Its length, relative to the largest value of the chart.
    pub value: u64,
    /// Text after the value (a share, say); may be empty.
    pub note: String,
}

/// A bar of `value` out of `max`, `width` cells wide, padded with spaces to `width`. A value
/// above zero always shows at least an eighth, so that small counts are not mistaken for none.
pub(crate) fn bar(value: u64, max: u64, width: usize) -> String {
    let value = value.min(max);
    let total_eighths = width as u64 * 8;
    let mut eighths =
        if max == 0 { 0 } else { (2 * value as u128 * total_eighths as u128 + max as u128) / (2 * max as u128) } as u64;
    if value > 0 {
        eighths = eighths.max(1);
    }
    let full = (eighths / 8) as usize;
    let mut text = "█".repeat(full);
    let rest = (eighths % 8) as usize;
    if rest > 0 {
        text.push(EIGHTHS[rest]);
    }
    let drawn = full + usize::from(rest > 0);
    text.extend(std::iter::repeat_n(' ', width.saturating_sub(drawn)));
    text
}

/// Writes a title, then one line per bar: label, bar, value and note, in aligned columns.
pub(crate) fn write_bars(title: &str, bars: &[Bar], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{title}")?;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let label_width = bars.iter().map(|b| b.label.chars().count()).max().unwrap_or(0);
    let value_width = bars.iter().map(|b| b.value.to_string().len()).max().unwrap_or(0);
    for b in bars {
        let line = format!(
            "  {label:<label_width$}  {bar} {value:>value_width$}{note}",
            label = b.label,
            bar = bar(b.value, max, BAR_WIDTH),
            value = b.value,
            note = b.note,
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_with_eighths() {
        assert_eq!(bar(4, 4, 4), "████");
        assert_eq!(bar(2, 4, 4), "██  ");
        assert_eq!(bar(1, 3, 4), "█▍  ");
        assert_eq!(bar(0, 4, 4), "    ");
        assert_eq!(bar(0, 0, 2), "  ");
        // One call in a million still shows.
        assert_eq!(bar(1, 1_000_000, 3), "▏  ");
    }

    #[test]
    fn charts_align_labels_and_values() {
        let bars = [
            Bar { label: "client".into(), value: 12, note: "  60.0%".into() },
            Bar { label: "none".into(), value: 0, note: String::new() },
        ];
        let mut out = Vec::new();
        write_bars("Hung up by", &bars, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let full = "█".repeat(BAR_WIDTH);
        let empty = " ".repeat(BAR_WIDTH);
        assert_eq!(text, format!("Hung up by\n  client  {full} 12  60.0%\n  none    {empty}  0\n"));
    }
}
