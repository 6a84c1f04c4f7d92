//! The one integration test binary (one link step instead of one per file).

mod util;

mod alerts;
mod cli;
mod daemon;
mod edits;
mod fetch;
mod fuzz;
mod poll;
mod regression;
mod store;
