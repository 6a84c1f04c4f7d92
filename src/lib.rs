//! redline watches news feeds, keeps every version of every article, and reports which
//! *claims* changed between versions.
//!
//! ```text
//! fetch ──► feed ──► extract ──► normalize ──► version ──► store
//! (HTTP)   (parse)  (full text) (text, hash)  (decide)    (SQLite)
//! ```
//!
//! `poll::poll_feed` runs one feed through every stage; `daemon` schedules it, `cli` exposes it.
//! `feed`, `extract`, `normalize` and `version` are pure; only `fetch`, `store` and `daemon`
//! touch the world.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod normalize;
pub mod poll;
pub mod store;
pub mod version;
