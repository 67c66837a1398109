//! Calls -> what a report says of them: which calls it keeps ([`select`]), their columns as
//! output rows ([`rows`]), times in the reader's zone ([`timefmt`]), and a call's story in
//! words ([`explain`]). Nothing here computes a figure (that is `metrics`) or writes bytes
//! (that is `render`).

pub mod explain;
pub mod rows;
pub mod select;
pub mod timefmt;
