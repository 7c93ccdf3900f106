//! A `Plan` -> the response: status, headers, and a body described as
//! segments (file ranges and small literals) that a glue's pump sends.

pub mod cors;
pub mod http_date;
pub mod listing;
pub mod multipart;
pub mod reply;
pub mod tar;
