//! `osprey log ...`: tools over kismetdb files.

pub mod info;
pub mod upgrade;
