//! The one integration test binary (one link step instead of one per file).

mod util;

mod alerts;
mod archive;
mod bounded_diff;
mod card;
mod check;
mod cli;
mod conformance;
mod daemon;
mod daily_config;
mod daily_fixes;
mod daily_process;
mod daily_store;
mod daily_triage;
mod daily_use;
mod edits;
mod feed_intake;
mod fetch;
mod fuzz;
mod hardening;
mod json_docs;
mod not_modified;
mod notices;
mod panics;
mod poll;
mod recheck;
mod regression;
mod scale;
mod social;
mod ssrf;
mod store;
mod web;
mod web_browser;
mod web_finish;
