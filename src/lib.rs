//! agent-audit: inventories the tools an AI agent can call, the side effects each one reaches
//! and the guards in front of them.
//!
//! Data flows one way: [`walk`] (a directory, or a git revision through [`tree`]) → [`lang`] (parse, per language) → [`facts`] → [`link`]
//! (symbols) → [`detect`] (tools) → [`trace`] → [`guards`] → [`assess`] → [`report`].

pub mod agents;
pub mod assess;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod detect;
pub mod diff;
pub mod facts;
pub mod gate;
pub mod git;
pub mod grants;
pub mod guards;
pub mod lang;
pub mod link;
pub mod maturity;
pub mod model;
pub mod note;
pub mod pattern;
pub mod report;
pub mod rules;
pub mod scan;
pub mod suppress;
pub mod trace;
pub mod tree;
pub mod tsconfig;
pub mod walk;
