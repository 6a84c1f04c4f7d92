//! redline watches news feeds, keeps every version of every article, and reports which
//! *claims* changed between versions.
//!
//! ```text
//! fetch ──► feed ──► extract ──► normalize ──► version ──► diff ──► claims ──► store
//! (HTTP)   (parse)  (full text) (text, hash)  (decide)   (sentences) (what    (SQLite,
//!                                                                    changed)  one tx)
//! ```
//!
//! `poll::poll_feed` runs one feed through every stage; `daemon` schedules it, `cli` exposes it.
//! `feed`, `extract`, `normalize`, `version`, `diff` and `claims` are pure; only `fetch`, `store` and `daemon`
//! touch the world.

pub mod alert;
pub mod claims;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod diff;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod ids;
pub mod logsink;
pub mod netguard;
pub mod normalize;
pub mod payload;
pub mod poll;
pub mod stamps;
pub mod store;
pub mod text_safety;
pub mod unwind;
pub mod version;
pub mod web;
