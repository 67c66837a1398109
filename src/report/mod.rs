//! Calls -> what a report says of them: which calls it keeps ([`select`]), their columns as
//! output rows ([`rows`]), times in the reader's zone ([`timefmt`]), a call's story in words
//! ([`explain`]), and why a report kept no call ([`hint`]). Nothing here computes a figure
//! (that is `metrics`) or writes bytes (that is `render`).

pub mod explain;
pub mod hint;
pub mod rows;
pub mod select;
pub mod timefmt;
